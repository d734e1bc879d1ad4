"""The Jinja environment of every template a manuscript can override: sandboxed, confined to styles/.

A manuscript's `styles/templates/` is written by whoever wrote the manuscript, and a build must be safe
to run on one you did not write. So templates run in Jinja's immutable sandbox, may read attributes
only of the values they are given (publish's own: the document model, page lists; strings, numbers,
lists; Jinja's loop and macro objects: never a path, a module or a function's insides), and load
other templates only from
the styles' `templates/` folders, through the same gate as every other file (a symlink pointing out
of the manuscript is refused). Whatever goes wrong in a manuscript's template (a syntax error, an
undefined name, a refused include, a sandbox violation) is one diagnostic at that template's line.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from jinja2 import (
    BaseLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    select_autoescape,
)
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from publish.manuscript.containment import Gate, Refused
from publish.model.diagnostics import Diagnostic, ManuscriptError, Severity


class Styles(Protocol):
    """What this module needs of render/styles.Styles: the styles folders, default first, the manuscript's last."""

    @property
    def roots(self) -> tuple[Path, ...]: ...

    @property
    def override(self) -> Path | None: ...

# Values whose attributes a template may read. Everything else (a Path, a module, a function, a
# class) can be passed along and printed, but not looked into.
_PLAIN = (str, int, float, bool, type(None), tuple, list, dict, set, frozenset, Markup)
_READABLE_MODULES = ("jinja2.runtime", "jinja2.environment", "jinja2.utils")
MAX_SEQUENCE = 1_000_000  # items or characters a `*` in a template may make
MAX_POWER_BITS = 4096  # bits of an integer a `**` in a template may make


class TemplateRefused(TemplateError):
    """A template name or file the loader will not read; `path` is the file, when there is one."""

    def __init__(self, message: str, path: Path | None = None, hint: str = ""):
        super().__init__(message)
        self.path = path
        self.hint = hint


class StylesLoader(BaseLoader):
    """Templates by name from each styles folder's templates/, the manuscript's own first, gated."""

    def __init__(self, folders: list[tuple[Path, Gate]]):
        self.folders = folders

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        if not _plain_name(template):
            raise TemplateRefused(f"template name '{template}' is not allowed",
                                  hint="name a template in styles/templates/ by its plain name, like "
                                       "\"article.html\"; no folders above it, no absolute paths")
        for folder, gate in self.folders:
            path = folder / template
            if not (path.is_symlink() or path.exists()):
                continue
            try:
                admitted = gate.admit(path)
            except Refused as exc:
                raise TemplateRefused(f"template '{template}': {exc}", path, exc.hint) from None
            if not admitted.is_file():
                raise TemplateRefused(f"template '{template}' is not a regular file", path)
            try:
                source = admitted.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise TemplateRefused(f"template '{template}' is not UTF-8 text", path,
                                      "save the template as UTF-8") from None
            return source, str(path), functools.partial(_unchanged, admitted, admitted.stat().st_mtime_ns)
        raise TemplateNotFound(template)


def _unchanged(path: Path, mtime_ns: int) -> bool:
    return path.is_file() and path.stat().st_mtime_ns == mtime_ns


def _plain_name(name: str) -> bool:
    """A name inside templates/: relative, no folder above it, no drive, no backslash, no NUL."""
    if not name or name.startswith("/") or re.match(r"^[A-Za-z]:", name) or "\\" in name or "\0" in name:
        return False
    return all(piece not in ("", ".", "..") for piece in name.split("/"))


class ManuscriptSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, further limited to the attributes of plain values and the model."""

    intercepted_binops = frozenset({"*", "**"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        module = type(obj).__module__
        return isinstance(obj, _PLAIN) or module in _READABLE_MODULES or module.startswith("publish.")

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        """Refused at once, not as an undefined value a filter could carry along and print."""
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """`*` and `**` that would make a giant value (and stall the build) are refused."""
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, str | list | tuple) and isinstance(count, int) \
                        and len(sequence) * count > MAX_SEQUENCE:
                    raise SecurityError(f"'*' would make {len(sequence) * count:,} items; at most {MAX_SEQUENCE:,}")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) \
                and right > 0 and max(abs(left).bit_length(), 1) * right > MAX_POWER_BITS:
            raise SecurityError("'**' would make a number too large to print")
        return super().call_binop(context, operator, left, right)


def template_folders(styles: Styles) -> list[tuple[Path, Gate]]:
    """Each styles folder's templates/ with the gate for it, in the order a name is looked up.

    The manuscript's own styles/ is gated by the manuscript folder, not by itself: a styles/ that is a
    symbolic link to a folder elsewhere must not bring that folder in.
    """
    folders = []
    for root in reversed(styles.roots):
        gate = Gate(root.parent) if root == styles.override else Gate(root)
        folders.append((root / "templates", gate))
    return folders


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per process, and once per machine while their source stays the same.

    Each renderer has an environment of its own (its globals differ), and Jinja compiles a template
    for every environment that loads it: the glyph check's renderer, the print layout's and the
    e-book's each compiled components.html and labels.html again. And every build compiled them
    anew: 0.13 s of the bundled feature's 1.4 s, as Python would spend compiling its modules without
    __pycache__. Jinja keys a compiled template by its name and file and checks it against the sha1
    of its source, so an edited template (a manuscript's own, in the preview) is compiled anew. Only
    environment() below uses it: every environment it makes has the same options, which is what
    compiled code depends on. The folder on disk is the user's own cache (`PUBLISH_CACHE_HOME`, else
    `$XDG_CACHE_HOME/publish`, else `~/.cache/publish`), one per Jinja and Python release, private
    to the user as Jinja's own cache folder is; a folder that cannot be made or is not the user's
    alone is not used, and what is found there changes how fast a build is, never its bytes.
    """

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}
        self._folder: Path | None | bool = False  # False: not looked for yet

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._compiled.get(bucket.key)
        if code is None and (folder := self._disk()) is not None:
            with contextlib.suppress(OSError):
                code = (folder / f"{bucket.key}.jinja").read_bytes()
        if code is not None:
            bucket.bytecode_from_string(code)  # a stale or foreign file is dropped by Jinja's own checks

    def dump_bytecode(self, bucket: Bucket) -> None:
        code = self._compiled[bucket.key] = bucket.bytecode_to_string()
        if (folder := self._disk()) is not None:
            temporary = folder / f"{bucket.key}.{os.getpid()}.tmp"
            try:
                temporary.write_bytes(code)
                os.replace(temporary, folder / f"{bucket.key}.jinja")  # whole or not at all, for every reader
            except OSError:
                with contextlib.suppress(OSError):
                    temporary.unlink()

    def _disk(self) -> Path | None:
        if self._folder is False:
            self._folder = _private_folder()
        return self._folder  # type: ignore[return-value]


def _private_folder() -> Path | None:
    """The compiled templates' folder, made 0700; None where it is not the user's alone."""
    import sys

    import jinja2

    home = os.environ.get("PUBLISH_CACHE_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "publish")
    release = f"jinja-{jinja2.__version__}-py{sys.version_info[0]}.{sys.version_info[1]}"
    folder = Path(home) / "templates" / release
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        found = os.lstat(folder)
    except OSError:
        return None
    private = stat.S_ISDIR(found.st_mode) and stat.S_IMODE(found.st_mode) == 0o700
    if not private or (hasattr(os, "getuid") and found.st_uid != os.getuid()):
        return None
    return folder


_COMPILED = _CompiledTemplates()


def environment(styles: Styles) -> ManuscriptSandbox:
    """The one environment every template runs in (editions, cover, report, preview): sandboxed, over
    the styles' templates, autoescaped, undefined names are errors, block tags leave no blank lines."""
    return ManuscriptSandbox(loader=StylesLoader(template_folders(styles)), undefined=StrictUndefined,
                             autoescape=select_autoescape(default=True, default_for_string=True),
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             bytecode_cache=_COMPILED)


def _manuscript_templates(styles: Styles) -> Path | None:
    return (styles.override / "templates").absolute() if styles.override is not None else None


def _inside(filename: str | None, folder: Path | None) -> bool:
    if not filename or folder is None:
        return False
    return Path(filename).absolute().is_relative_to(folder)


def _frames(tb: TracebackType | None) -> Iterator[tuple[str, int]]:
    """(file, line) of each frame; a template's compiled code mapped back to the template's line.

    Jinja maps the frames of render() itself, but not those of a template run as a module (an
    import, a macro called from Python), so the mapping is done here for every frame.
    """
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            yield template.filename or "", template.get_corresponding_lineno(tb.tb_lineno)
        else:
            yield tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next


def diagnostic(exc: BaseException, styles: Styles) -> Diagnostic | None:
    """The author's diagnostic for an error raised while rendering, or None when it is not theirs.

    It is theirs when a manuscript template is on the way to it (the innermost such frame gives the
    line), or the loader refused one of their files; an error in the default templates alone is ours.
    """
    own = _manuscript_templates(styles)
    where: tuple[str, int | None] | None = None
    if isinstance(exc, TemplateSyntaxError) and _inside(exc.filename, own):
        where = (exc.filename or "", exc.lineno)
    else:
        for filename, line in reversed(list(_frames(exc.__traceback__))):
            if _inside(filename, own):
                where = (filename, line)
                break
    if where is None and isinstance(exc, TemplateRefused) and exc.path is not None:
        where = (str(exc.path), None)
    if where is None:
        return None
    name = Path(where[0]).name
    hint = f"compare with the default {name} in publish's styles/templates/: it shows the values a template has"
    if isinstance(exc, TemplateSyntaxError):
        message = exc.message or str(exc)
    elif isinstance(exc, TemplateRefused):
        message, hint = str(exc), exc.hint or hint
    elif isinstance(exc, TemplateNotFound):
        message = f"no template '{exc.name}' in styles/templates/"
        hint = "check the name; the default templates are in publish's styles/templates/"
    elif isinstance(exc, SecurityError):
        message = f"not allowed: {exc}"
        hint = "templates run sandboxed: they can use the values they are given, not Python, files or commands"
    elif isinstance(exc, UndefinedError):
        message = str(exc)
    elif isinstance(exc, RecursionError):
        message = "the template calls itself without end"
        hint = "a macro or include that calls itself needs a condition that stops it"
    else:
        message = f"{type(exc).__name__}: {exc}"
    return Diagnostic(Path(where[0]).as_posix(), where[1], None, Severity.ERROR, f"template: {message}", hint)


@contextlib.contextmanager
def diagnosed(styles: Styles) -> Iterator[None]:
    """Turns what a manuscript's template did wrong into a ManuscriptError (exit 2), at its line."""
    try:
        yield
    except ManuscriptError:
        raise
    except Exception as exc:
        found = diagnostic(exc, styles)
        if found is None:
            raise
        raise ManuscriptError([found]) from None
