"""No tofu, ever: every character of the manuscript must have a glyph in the fonts of its language.

A character no bundled font can draw is printed as an empty box (tofu) or, worse, silently drawn
from whatever font the build machine happens to have. So before rendering, each character of the
displayed text is checked against the font stacks the styles give its language, and each one that
no font of a stack can draw is an error at its `path:line`.

The stacks are read from the styles themselves, not repeated here: the @font-face rules (fonts.css:
family → font files, whose cmaps say what they draw) and the font stacks of base.css: the custom
properties whose value is a font list (--text-font, --display-font, --label-font), as `:root` sets
them and as each `:lang(xx)` rule redefines them, plus the `font-family` of that `:lang(xx)` rule (or
of `html`). A character must be drawable by every stack of its language, since its text may be set
as body, title or caption. Generic families (serif, sans-serif…) draw nothing here: they resolve to
fonts of the build machine, which a reproducible build must not depend on.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import tinycss2

from publish.manuscript.containment import Gate, Refused
from publish.manuscript.fontfiles import FontProblem, font_cmap
from publish.model.diagnostics import Diagnostic, Diagnostics, ManuscriptError
from publish.model.document import Aside, Element, Figure, FigureGroup, Node, Photo, Publication, Text
from publish.render.styles import Styles

SHEETS = ("fonts.css", "base.css")
GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "ui-serif",
           "ui-sans-serif", "ui-monospace", "ui-rounded", "emoji", "math", "fangsong"}
# Invisible characters the layout engines handle without a glyph: line ends, joiners, U+200B.
_IGNORED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


@dataclass
class FontStyles:
    """What the stylesheets say about fonts: families with their files, stacks by language."""

    families: dict[str, list[Path]] = field(default_factory=dict)  # lowercased family → font files
    root_vars: dict[str, list] = field(default_factory=dict)  # custom property → tokens
    root_family: list = field(default_factory=list)  # font-family tokens of html / :root
    lang_vars: dict[str, dict[str, list]] = field(default_factory=dict)  # :lang(xx) → its custom properties
    lang_family: dict[str, list] = field(default_factory=dict)  # :lang(xx) → its font-family tokens
    font_vars: set[str] = field(default_factory=set)  # custom properties used as font-family values

    def stacks(self, language: str) -> list[tuple[str, tuple[str, ...]]]:
        """(where the stack is set, family names) for each font stack text in this language may get."""
        match = self._lang_rule(language)
        variables = {**self.root_vars, **(self.lang_vars.get(match, {}) if match else {})}
        found: list[tuple[str, tuple[str, ...]]] = []
        family = self.lang_family.get(match, []) if match else []
        label = f":lang({match}) font-family" if family else "html font-family"
        found.append((label, _families(family or self.root_family, variables)))
        for name in sorted(self.font_vars & set(variables)):
            found.append((name, _families(variables[name], variables)))
        unique: dict[tuple[str, ...], str] = {}
        for where, names in found:
            if names:
                unique.setdefault(names, where)
        return [(where, names) for names, where in unique.items()]

    def _lang_rule(self, language: str) -> str | None:
        """The most specific :lang() range that matches, as CSS matches it ("km" matches "km-KH")."""
        tag = language.lower()
        matches = [r for r in self.lang_vars.keys() | self.lang_family.keys()
                   if tag == r or tag.startswith(r + "-")]
        return max(matches, key=len) if matches else None


def read_font_styles(styles: Styles, gate: Gate) -> FontStyles:
    found = FontStyles()
    for name in SHEETS:
        for path in styles.css(name):
            _read_sheet(gate.admit(path), found, gate)
    return found


def _read_sheet(path: Path, found: FontStyles, gate: Gate) -> None:
    rules = tinycss2.parse_stylesheet(path.read_text(encoding="utf-8"), skip_comments=True,
                                      skip_whitespace=True)
    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword == "font-face" and rule.content:
            _font_face(rule, path, found, gate)
        elif rule.type == "qualified-rule":
            selectors = [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]
            declarations = [d for d in tinycss2.parse_declaration_list(rule.content, skip_comments=True,
                                                                       skip_whitespace=True)
                            if d.type == "declaration"]
            _style_rule(selectors, declarations, found)


def _font_face(rule, path: Path, found: FontStyles, gate: Gate) -> None:
    family, sources = "", []
    for decl in tinycss2.parse_declaration_list(rule.content, skip_comments=True, skip_whitespace=True):
        if decl.type != "declaration":
            continue
        if decl.lower_name == "font-family":
            names = _families(decl.value, {})
            family = names[0] if names else ""
        elif decl.lower_name == "src":
            for token in decl.value:
                if token.type == "url":
                    sources.append(token.value)
                elif token.type == "function" and token.lower_name == "url":
                    sources.extend(t.value for t in token.arguments if t.type == "string")
    for source in sources:
        try:
            font = gate.reference(source, path.parent)
        except Refused:
            continue  # the layout engine cannot load it either: the family draws nothing from it
        found.families.setdefault(family.lower(), []).append(font)


def _style_rule(selectors: list[str], declarations: list, found: FontStyles) -> None:
    for decl in declarations:
        name = decl.name if decl.name.startswith("--") else decl.lower_name
        if name == "font-family":
            for token in decl.value:
                if token.type == "function" and token.lower_name == "var":
                    found.font_vars.update(t.value for t in token.arguments if t.type == "ident")
        for selector in selectors:
            lang = _lang_selector(selector)
            if lang:
                if name.startswith("--"):
                    found.lang_vars.setdefault(lang, {})[name] = decl.value
                elif name == "font-family":
                    found.lang_family[lang] = decl.value
            elif selector in (":root", "html"):
                if name.startswith("--"):
                    found.root_vars[name] = decl.value
                elif name == "font-family":
                    found.root_family = decl.value


def _lang_selector(selector: str) -> str | None:
    """'km' for a rule whose selector is exactly :lang(km), the rules that give a language its faces."""
    if selector.startswith(":lang(") and selector.endswith(")") and selector.count("(") == 1:
        return selector[6:-1].strip().strip("\"'").lower()
    return None


def _families(tokens: list, variables: dict[str, list], depth: int = 0) -> tuple[str, ...]:
    """Family names of a font-family value, var() substituted; generic families are kept by name."""
    names: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            names.append(" ".join(current))
            current.clear()

    for token in tokens:
        if token.type in ("string", "ident"):
            current.append(token.value)
        elif token.type == "literal" and token.value == ",":
            flush()
        elif token.type == "function" and token.lower_name == "var" and depth < 10:
            flush()
            ref = next((t.value for t in token.arguments if t.type == "ident"), "")
            names.extend(_families(variables.get(ref, []), variables, depth + 1))
    flush()
    return tuple(names)


def _cmap(path: Path) -> frozenset[int]:
    """What the font draws, cached by its bytes (manuscript/fontfiles.py); a file that is no font draws nothing."""
    try:
        return font_cmap(path)
    except (FontProblem, OSError):  # the loader reports it at its @font-face
        return frozenset()


def family_coverage(styles: FontStyles, family: str) -> frozenset[int]:
    return frozenset().union(*(_cmap(path) for path in styles.families.get(family.lower(), [])))


# Walking the manuscript's displayed text ------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A piece of displayed text, its language and where the author wrote it."""

    text: str
    language: str
    path: Path
    line: int | None  # the line to search from; the character's own line is found in the file


def _node_runs(nodes: tuple[Node, ...], language: str, path: Path, line: int | None) -> Iterator[Run]:
    for node in nodes:
        if isinstance(node, Text):
            yield Run(node.text, language, path, line)
        elif isinstance(node, Element):
            yield from _node_runs(node.children, node.attr("lang") or language, path, node.line or line)
        elif isinstance(node, Aside):
            yield from _node_runs(node.children, language, path, node.line or line)
        elif isinstance(node, Figure):
            yield from _photo_runs(node.photo, language)
        elif isinstance(node, FigureGroup):
            yield from _node_runs(node.caption, language, path, node.line or line)
            for figure in node.figures:
                yield from _photo_runs(figure.photo, language)


def _photo_runs(photo: Photo, language: str) -> Iterator[Run]:
    where = photo.caption_file or photo.path
    yield from _node_runs(photo.caption_nodes, language, where, photo.line)
    yield Run(photo.credit, language, where, photo.line)


def runs(publication: Publication) -> Iterator[Run]:
    """Every text the editions display from the manuscript (alt texts are read aloud, not drawn)."""
    meta = publication.metadata
    meta_path = publication.root / "publication.toml"
    for value in (meta.title, meta.subtitle, meta.publisher, meta.rights, meta.source, meta.edition,
                  *(c.name for c in meta.contributors)):
        yield Run(value, meta.language, meta_path, 1)
    for translation in meta.translations:
        for value in (translation.title, translation.subtitle, translation.standfirst):
            yield Run(value, translation.lang, meta_path, 1)
    for article in publication.articles:
        path = publication.root / article.source
        language = article.language or meta.language
        for value in (article.title, article.byline, *(c.name for c in article.contributors)):
            yield Run(value, language, path, 1)
        yield Run(article.subtitle, article.subtitle_language or language, path, 1)
        yield Run(article.standfirst, article.standfirst_language or language, path, 1)
        yield from _node_runs(article.blocks, language, path, 1)
        for note in article.footnotes:
            yield from _node_runs(note.children, language, path, 1)


def label_runs(publication: Publication, styles: Styles) -> Iterator[Run]:
    """The words the templates print around the structure and the people (templates/labels.html):
    "Chapter 3", "第3章", "by …", "Edited by …", in the book's language; a designer's own labels too.

    A missing glyph there is reported at the text it labels (or publication.toml), with the label's language.
    A manuscript template that cannot be rendered yields nothing here: the template check that follows
    reports it at its line (build/templatecheck.py).
    """
    try:
        yield from _label_runs(publication, styles)
    except ManuscriptError:
        return


def _label_runs(publication: Publication, styles: Styles) -> Iterator[Run]:
    from publish.render.html import Renderer  # the renderer reads the labels template the editions use

    renderer = Renderer(publication, styles, "print", image_src=lambda photo: "")
    meta = publication.metadata
    meta_path = publication.root / "publication.toml"
    names, role = renderer.env.globals["creators"]  # type: ignore[misc]
    if role == "editor":
        yield Run(renderer.words("edited", names, meta.language), meta.language, meta_path, 1)
    for article in publication.articles:
        path = publication.root / article.source
        language = article.language or meta.language
        yield Run(renderer.entry(article), meta.language, path, 1)
        yield Run(renderer.byline(article), language, path, 1)
        for people, macro in (("translator", "translated"), ("editor", "edited"), ("photographer", "photographs")):
            if article.names(people):
                yield Run(renderer.words(macro, article.names(people), language), language, path, 1)


# The check -------------------------------------------------------------------------------------


def _describe(char: str) -> str:
    code = ord(char)
    name = unicodedata.name(char, "")
    return f"U+{code:04X} {name}" if name else f"U+{code:04X} (unnamed, {unicodedata.category(char)})"


def _quote(stack: tuple[str, ...]) -> str:
    return ", ".join(n if n.lower() in GENERIC else f'"{n}"' for n in stack)


class _Lines:
    """Finds the line of a file on which a character was written, searching from a given line."""

    def __init__(self) -> None:
        self._files: dict[Path, list[str]] = {}

    def locate(self, path: Path, start: int | None, char: str) -> int | None:
        if path not in self._files:
            try:
                self._files[path] = path.read_text(encoding="utf-8-sig").splitlines()
            except (OSError, UnicodeDecodeError):
                self._files[path] = []
        lines = self._files[path]
        first = max((start or 1) - 1, 0)
        for index in range(first, len(lines)):
            if char in lines[index]:
                return index + 1
        for index in range(0, min(first, len(lines))):
            if char in lines[index]:
                return index + 1
        return start


def check_glyphs(publication: Publication, styles: Styles, diags: Diagnostics) -> list[Diagnostic]:
    """Adds an error for each character of the manuscript that a font stack of its language cannot draw."""
    gate = Gate(publication.root, *styles.roots)
    fonts = read_font_styles(styles, gate)
    lines = _Lines()
    stacks_of: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    coverage: dict[str, frozenset[int]] = {}
    drawn: dict[tuple[tuple[str, ...], str], bool] = {}

    def draws(names: tuple[str, ...], char: str) -> bool:
        """Whether a family of the stack draws it, its families read in order until one does: most
        characters are drawn by a stack's first face, and a build need not read fifty character maps."""
        if (names, char) not in drawn:
            for name in names:
                if name not in coverage:
                    coverage[name] = family_coverage(fonts, name)
                if ord(char) in coverage[name]:
                    drawn[names, char] = True
                    break
            else:
                drawn[names, char] = False
        return drawn[names, char]

    reported: set[tuple[Path, str, str]] = set()
    before = len(diags.items)
    for run in (*runs(publication), *label_runs(publication, styles)):
        if run.language not in stacks_of:
            stacks_of[run.language] = fonts.stacks(run.language)
        for char in dict.fromkeys(run.text):
            if unicodedata.category(char) in _IGNORED_CATEGORIES:
                continue
            for where, names in stacks_of[run.language]:
                if (run.path, run.language, char) in reported or draws(names, char):
                    continue
                reported.add((run.path, run.language, char))
                bundled = [n for n in names if n.lower() in fonts.families]
                diags.error(
                    run.path, lines.locate(run.path, run.line, char),
                    f"{_describe(char)} ('{char}', language '{run.language}') has no glyph in any font of "
                    f"the stack {_quote(names)} ({where})",
                    f"bundled fonts tried: {', '.join(bundled) or 'none'}; add a font that draws it "
                    f"(an @font-face in styles/fonts.css and a :lang({run.language.split('-')[0]}) rule in "
                    "styles/base.css), or mark the text's language, e.g. [text]{lang=xx}")
                break
    return diags.items[before:]
