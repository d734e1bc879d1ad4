"""Template attacks: a manuscript's styles/templates/ may not reach Python, files or commands.

Every attack is a template override written by a hostile author. Each must stop the build with exit 2
and one diagnostic at the template's file and line (never a traceback, never exit 1), `publish check`
must say the same, and nothing secret (a file outside the manuscript, the effect of a command) may
reach the output folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_manuscript
from jinja2 import TemplateNotFound

from publish.cli.main import main
from publish.manuscript.templates import StylesLoader, TemplateRefused, environment, template_folders
from publish.render.styles import Styles

SECRET = "TOP-SECRET-7b3c9e"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def outside(tmp_path: Path) -> dict[str, Path]:
    """A secret file beside (not inside) the manuscript, and where a command run by a template would leave a mark."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    (folder / "templates").mkdir()
    (folder / "templates" / "article.html").write_text(f"<article>{SECRET}</article>\n", encoding="utf-8")
    return {"secret": folder / "secret.txt", "marker": tmp_path / "marker", "folder": folder}


def assert_nothing_leaked(out: Path, outside: dict[str, Path]) -> None:
    assert not outside["marker"].exists(), "a command ran"
    for path in out.rglob("*") if out.exists() else ():
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"the secret reached {path}"


def assert_refused(root: Path, out: Path, outside: dict[str, Path], where: str, message: str = "") -> None:
    """Build and check both exit 2 with the diagnostic at `where` (path:line in the manuscript)."""
    code, output = invoke("all", str(root), "-o", str(out), "--jobs", "1")
    assert code == 2, output
    assert f"{root}/{where}: error: " in output, output
    assert message in output, output
    assert output.count(": error: ") == 1, output
    assert_nothing_leaked(out, outside)
    code, output = invoke("check", str(root), "-o", str(out), "--no-epubcheck")
    assert code == 2, output
    assert f"{root}/{where}: error: " in output, output
    assert message in output, output
    assert_nothing_leaked(out, outside)


def template(attack: str) -> str:
    """An article.html whose line 2 is the attack."""
    return '<article class="text" id="{{ article.id }}">\n' + attack + "\n{{ body(article) }}\n</article>\n"


# Each attack sits on line 2 of the manuscript's article.html; {secret} and {marker} are filled in.
PYTHON_INTERNALS = {
    "str-class-subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "list-class-base": "{{ [].__class__.__base__.__subclasses__() }}",
    "catch-warnings-open": "{% for c in ().__class__.__base__.__subclasses__() %}{% if c.__name__ == "
                           "'catch_warnings' %}{{ c()._module.__builtins__['open']('{secret}').read() }}"
                           "{% endif %}{% endfor %}",
    "cycler-globals-os": "{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}",
    "joiner-globals-os": "{{ joiner.__init__.__globals__.os.system('touch {marker}') }}",
    "namespace-globals": "{{ namespace.__init__.__globals__.os.popen('cat {secret}').read() }}",
    "lipsum-globals": "{{ lipsum.__globals__['os'].popen('cat {secret}').read() }}",
    "template-reference-context": "{{ self._TemplateReference__context.cycler.__init__.__globals__ }}",
    "request-object": "{{ request.application.__globals__.__builtins__.open('{secret}').read() }}",
    "config-object": "{{ config.__class__.__init__.__globals__['os'].popen('cat {secret}').read() }}",
    "attr-filter": "{{ ''|attr('__class__')|attr('__mro__') }}",
    "attr-filter-globals": "{{ cycler|attr('__init__')|attr('__globals__') }}",
    "getitem-dunder": "{{ cycler['__init__']['__globals__']['os'].popen('touch {marker}') }}",
    "format-string": "{{ '{0.__init__.__globals__[os]}'.format(cycler) }}",
    "format-map": "{{ '{x.__class__.__mro__}'.format_map({'x': 1}) }}",
    "map-attribute": "{{ publication.articles|map(attribute='__class__')|list }}",
    "sort-attribute": "{{ publication.articles|sort(attribute='__class__.__init__.__globals__')|list }}",
    "bound-method-self": "{{ body.__self__.env }}",
    "method-func-globals": "{{ meta.names.__func__.__globals__['Path']('{secret}').read_text() }}",
    "builtin-self": "{{ ''.join|attr('__self__') }}",
    "type-mro": "{{ dict.mro() }}",
    "path-read-text": "{{ publication.root.joinpath('..', 'outside', 'secret.txt').read_text() }}",
    "path-operator-read": "{{ (publication.root / '../outside/secret.txt').read_text() }}",
    "photo-path-open": "{{ publication.photos[0].path.open().read() }}",
    "path-write": "{{ publication.root.joinpath('x').write_text('x') }}",
    "list-append": "{% set seen = [] %}{{ seen.append(1) }}",
    "dict-update": "{% set seen = {} %}{{ seen.update(a=1) }}",
}
RESOURCES = {
    "power-huge": "{{ 2 ** 100000000 }}",
    "string-times-huge": "{{ 'x' * 1000000000 }}",
    "range-huge": "{% for i in range(10 ** 9) %}{% endfor %}",
    "recursion": "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
}
MISTAKES = {
    "undefined-name": "{{ nosuch }}",
    "undefined-attribute": "{{ article.nosuch }}",
    "syntax-error": "{% if %}",
    "missing-include": '{% include "nosuch.html" %}',
    "wrong-call": "{{ meta.names() }}",
}
INCLUDES = {
    "include-dotdot": '{% include "../../../outside/secret.txt" %}',
    "include-absolute": '{% include "{secret}" %}',
    "include-etc-passwd": '{% include "/etc/passwd" %}',
    "include-dotdot-inside": '{% include "templates/../../../outside/secret.txt" %}',
    "include-backslash": '{% include "..\\\\..\\\\..\\\\outside\\\\secret.txt" %}',
    "import-dotdot": '{% import "../../../outside/secret.txt" as s %}',
    "from-import-absolute": '{% from "{secret}" import x %}',
    "include-from-variable": "{% include publication.photos[0].path|string %}",
}


@pytest.mark.slow  # the whole command on each attack (seconds each)
@pytest.mark.parametrize("attack", [*PYTHON_INTERNALS.values(), *RESOURCES.values(), *MISTAKES.values(),
                                    *INCLUDES.values()],
                         ids=[*PYTHON_INTERNALS, *RESOURCES, *MISTAKES, *INCLUDES])
def test_an_attack_in_a_template_is_one_diagnostic_at_its_line(tmp_path: Path, outside: dict[str, Path],
                                                               attack: str) -> None:
    line = attack.replace("{secret}", str(outside["secret"])).replace("{marker}", str(outside["marker"]))
    root = write_manuscript(tmp_path / "m", {"styles/templates/article.html": template(line)})
    assert_refused(root, tmp_path / "out", outside, "styles/templates/article.html:2", "template: ")


@pytest.mark.slow  # the whole command on each attack (seconds each)
@pytest.mark.parametrize("name", ["print.html", "components.html", "epub-page.xhtml", "epub-nav.xhtml",
                                  "epub-cover.html", "report.html", "preview.html"])
def test_every_template_of_every_edition_and_page_is_sandboxed(tmp_path: Path, outside: dict[str, Path],
                                                               name: str) -> None:
    default = (Styles().default / "templates" / name).read_text(encoding="utf-8")
    attack = "{{ cycler.__init__.__globals__.os.popen('touch " + str(outside["marker"]) + "').read() }}"
    first, rest = default.split("\n", 1)
    root = write_manuscript(tmp_path / "m", {f"styles/templates/{name}": f"{first}\n{attack}\n{rest}"})
    assert_refused(root, tmp_path / "out", outside, f"styles/templates/{name}:2", "not allowed")


def test_a_template_symlinked_outside_is_refused(tmp_path: Path, outside: dict[str, Path]) -> None:
    root = write_manuscript(tmp_path / "m")
    (root / "styles" / "templates").mkdir(parents=True)
    (root / "styles" / "templates" / "article.html").symlink_to(outside["secret"])
    code, output = invoke("all", str(root), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert code == 2, output
    assert f"{root}/styles/templates/article.html: error: " in output
    assert "symbolic link" in output
    assert_nothing_leaked(tmp_path / "out", outside)


def test_an_included_template_symlinked_outside_is_refused(tmp_path: Path, outside: dict[str, Path]) -> None:
    root = write_manuscript(tmp_path / "m", {"styles/templates/article.html": template('{% include "leak.html" %}')})
    (root / "styles" / "templates" / "leak.html").symlink_to(outside["secret"])
    code, output = invoke("all", str(root), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert code == 2, output
    assert f"{root}/styles/templates/leak.html: error: " in output
    assert_nothing_leaked(tmp_path / "out", outside)


@pytest.mark.parametrize("linked", ["styles", "styles/templates"])
def test_a_styles_or_templates_folder_symlinked_outside_is_refused(tmp_path: Path, outside: dict[str, Path],
                                                                   linked: str) -> None:
    root = write_manuscript(tmp_path / "m")
    target = outside["folder"] if linked == "styles" else outside["folder"] / "templates"
    (root / linked).parent.mkdir(parents=True, exist_ok=True)
    (root / linked).symlink_to(target, target_is_directory=True)
    code, output = invoke("all", str(root), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert code == 2, output
    assert "symbolic link" in output or "outside the manuscript" in output, output
    assert_nothing_leaked(tmp_path / "out", outside)


def test_the_loader_refuses_a_symlink_even_when_the_manuscript_check_is_skipped(
        tmp_path: Path, outside: dict[str, Path]) -> None:
    """Defence in depth: the template loader itself applies the gate, not only the loader's vetting."""
    root = write_manuscript(tmp_path / "m")
    (root / "styles" / "templates").mkdir(parents=True)
    (root / "styles" / "templates" / "leak.html").symlink_to(outside["secret"])
    styles = Styles.for_manuscript(root)
    loader = StylesLoader(template_folders(styles))
    with pytest.raises(TemplateRefused, match="symbolic link"):
        loader.get_source(environment(styles), "leak.html")
    for name in ("../outside/secret.txt", str(outside["secret"]), "a/../../b.html", "C:/x.html", "a\\b.html"):
        with pytest.raises(TemplateRefused, match="not allowed"):
            loader.get_source(environment(styles), name)
    with pytest.raises(TemplateNotFound):
        loader.get_source(environment(styles), "nosuch.html")
    # The manuscript's styles/ linked elsewhere: that folder's templates are not read either.
    (root / "styles").rename(tmp_path / "moved")
    (root / "styles").symlink_to(outside["folder"], target_is_directory=True)
    styles = Styles.for_manuscript(root)
    with pytest.raises(TemplateRefused, match="outside"):
        StylesLoader(template_folders(styles)).get_source(environment(styles), "article.html")


@pytest.mark.slow  # the whole command on each attack (seconds each)
def test_a_template_using_what_the_defaults_use_still_builds(tmp_path: Path) -> None:
    """The sandbox takes nothing a designer needs: macros, loops, filters, namespaces, the model's values."""
    own = """\
{% import "components.html" as c %}
{% set ns = namespace(words=0) %}
{% for block in article.blocks %}{% set ns.words = ns.words + 1 %}{% endfor %}
<article class="text own-template" id="{{ article.id }}" data-blocks="{{ ns.words }}">
<h1>{{ article.title|upper }}</h1>
{% if article.byline %}<p class="byline">{{ article.byline }} · {{ meta.names("author")|join(", ") }}</p>{% endif %}
{{ body(article) }}
{{ c.footnotes(article) }}
<p class="photos">{{ publication.photos|map(attribute="name")|join(" ") }} {{ "%03d"|format(7) }} {{ 6 * 7 }}</p>
</article>
"""
    root = write_manuscript(tmp_path / "m", {"styles/templates/article.html": own})
    out = tmp_path / "out"
    code, output = invoke("epub", str(root), "-o", str(out), "--jobs", "1")
    assert code == 0, output
    import zipfile

    with zipfile.ZipFile(out / "a-small-feature.epub") as epub:
        chapter = epub.read("EPUB/feature.xhtml").decode()
    assert "A SMALL FEATURE" in chapter and 'data-blocks="3"' in chapter
    assert "harbour.jpg 007 42" in chapter
    code, output = invoke("check", str(root), "-o", str(out), "--no-epubcheck")
    assert code == 0, output


def test_a_template_edited_in_the_same_process_is_compiled_again(tmp_path: Path) -> None:
    """Templates are compiled once per process (templates.environment's shared cache), keyed by their
    source: the preview, which builds again in one process as the designer edits, sees each edit."""
    root = write_manuscript(tmp_path / "m")
    (root / "styles" / "templates").mkdir(parents=True)
    own = root / "styles" / "templates" / "greeting.html"
    own.write_text("Hello {{ who }}", encoding="utf-8")
    styles = Styles.for_manuscript(root)
    first = environment(styles).get_template("greeting.html")
    assert environment(styles).get_template("greeting.html").render(who="you") == first.render(who="you") == \
        "Hello you"
    own.write_text("Goodbye {{ who }}", encoding="utf-8")
    assert environment(styles).get_template("greeting.html").render(who="you") == "Goodbye you"


def test_compiled_templates_are_kept_for_the_next_build_in_a_private_folder(tmp_path: Path) -> None:
    """A build compiles a template only when no earlier build on this machine compiled the same source:
    a fresh process finds the code in the user's cache and compiles nothing; an edited template is
    compiled again; a cache folder others may write to is not used (its code would run in the sandbox's
    place)."""
    import subprocess
    import sys

    root = write_manuscript(tmp_path / "m")
    (root / "styles" / "templates").mkdir(parents=True)
    (root / "styles" / "templates" / "greeting.html").write_text("Hello {{ who }}", encoding="utf-8")
    probe = ("import sys, jinja2.environment as e\ncompiled = []\noriginal = e.Environment.compile\n"
             "def counted(self, *a, **k):\n    compiled.append(1)\n    return original(self, *a, **k)\n"
             "e.Environment.compile = counted\nfrom pathlib import Path\n"
             "from publish.manuscript.templates import environment\nfrom publish.render.styles import Styles\n"
             "out = environment(Styles.for_manuscript(Path(sys.argv[1]))).get_template('greeting.html')"
             ".render(who='you')\nprint(out, len(compiled))")
    home = tmp_path / "cache"

    def run() -> str:
        env = {**os.environ, "PUBLISH_CACHE_HOME": str(home)}
        return subprocess.run([sys.executable, "-c", probe, str(root)], env=env, capture_output=True, text=True,
                              check=True).stdout.strip()

    assert run() == "Hello you 1"
    assert run() == "Hello you 0"
    (root / "styles" / "templates" / "greeting.html").write_text("Goodbye {{ who }}", encoding="utf-8")
    assert run() == "Goodbye you 1"
    assert run() == "Goodbye you 0"
    for folder in (home / "templates").iterdir():
        folder.chmod(0o777)
    assert run() == "Goodbye you 1"
    assert run() == "Goodbye you 1"
