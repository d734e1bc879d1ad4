"""Problems found in a manuscript, as values with a location, collected and shown together.

One mistake, one diagnostic, at its cause: a diagnostic may name the `subjects` it reports (a text
that could not be read, a key that is probably mistyped) and a follow-on the `causes` it may come
from (a photo "no text uses" when some text could not be read). A follow-on is dropped as soon as a
diagnostic about one of its causes, at least as severe, is collected, whichever comes first.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

# Characters that would break a diagnostic's one line (a file name may hold a line break): shown escaped.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f]")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, pointing the author at a file and line they can open."""

    path: str
    line: int | None
    column: int | None
    severity: Severity
    message: str
    hint: str = ""
    subjects: tuple[str, ...] = field(default=(), compare=False)  # what this one reports a problem with
    causes: tuple[str, ...] = field(default=(), compare=False)  # subjects it follows from, when reported

    def format(self) -> str:
        where = printable(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.severity.value}: {printable(self.message)}"
        if self.hint:
            text += f"\n    hint: {printable(self.hint)}"
        return text

    def follows_from(self, other: Diagnostic) -> bool:
        """Whether `other` reports a cause of this one, and is at least as severe (an error is never
        dropped for a warning: the build must still stop)."""
        return (bool(set(self.causes) & set(other.subjects))
                and _RANK[other.severity] >= _RANK[self.severity])

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Diagnostic:
        return cls(data["path"], data["line"], data["column"], Severity(data["severity"]), data["message"],
                   data.get("hint", ""))


def printable(text: str) -> str:
    """Text with control characters written as escapes (\\n, \\t, \\x01), so a diagnostic stays one line."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


def without_follow_ons(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics less those whose cause another one reports."""
    given = list(diagnostics)
    causes = [d for d in given if d.subjects]
    return [d for d in given if not (d.causes and any(d.follows_from(c) for c in causes if c is not d))]


class ManuscriptError(Exception):
    """Raised when a manuscript cannot be built; carries every diagnostic of the run."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(without_follow_ons(diagnostics), key=_sort_key)
        super().__init__("\n".join(d.format() for d in self.diagnostics))

    def __reduce__(self) -> tuple[type[ManuscriptError], tuple[list[Diagnostic]]]:
        """Raised in a worker process (runtime/jobs.py), it reaches the command with its diagnostics."""
        return (type(self), (self.diagnostics,))


def _sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.path, d.line or 0, d.column or 0, d.message)


class Diagnostics:
    """Collects problems with paths shown relative to where the author works."""

    def __init__(self, root: Path):
        self.root = root
        self.items: list[Diagnostic] = []

    def display_path(self, path: Path | str) -> str:
        """The path as the author named it: under the manuscript folder as given on the command line."""
        path = Path(path)
        try:
            inside = path.relative_to(self.root)
        except ValueError:
            try:
                inside = path.resolve().relative_to(self.root.resolve())
            except ValueError:
                return path.as_posix()
        return (self.root / inside).as_posix()

    def add(
        self,
        path: Path | str,
        line: int | None,
        message: str,
        hint: str = "",
        *,
        column: int | None = None,
        severity: Severity = Severity.ERROR,
        subjects: Iterable[str] = (),
        causes: Iterable[str] = (),
    ) -> None:
        self.collect(Diagnostic(self.display_path(path), line, column, severity, message, hint,
                                tuple(subjects), tuple(causes)))

    def collect(self, diagnostic: Diagnostic) -> None:
        """Keeps the diagnostic unless its cause is already reported; drops those it is the cause of."""
        if diagnostic.causes and any(diagnostic.follows_from(d) for d in self.items if d.subjects):
            return
        if diagnostic.subjects:
            self.items = [d for d in self.items if not d.follows_from(diagnostic)]
        self.items.append(diagnostic)

    def adopt(self, diagnostics: Iterable[Diagnostic]) -> None:
        """Diagnostics collected elsewhere (another process, a layout's own collector), with their paths
        shown as this collector shows them: as the author gave the manuscript, never absolute."""
        for diagnostic in diagnostics:
            self.collect(replace(diagnostic, path=self.display_path(diagnostic.path)))

    def error(self, path: Path | str, line: int | None, message: str, hint: str = "",
              column: int | None = None, *, subjects: Iterable[str] = (), causes: Iterable[str] = ()) -> None:
        self.add(path, line, message, hint, column=column, subjects=subjects, causes=causes)

    def warning(self, path: Path | str, line: int | None, message: str, hint: str = "",
                column: int | None = None, *, subjects: Iterable[str] = (), causes: Iterable[str] = ()) -> None:
        self.add(path, line, message, hint, column=column, severity=Severity.WARNING, subjects=subjects,
                 causes=causes)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ManuscriptError(self.items)


_RANK = {Severity.WARNING: 0, Severity.ERROR: 1}


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The known word the author most probably meant, if one is close enough."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: list[str] | tuple[str, ...], known: str = "keys") -> str:
    """A hint naming the closest known word, or the list of known words."""
    close = closest(word, choices)
    if close:
        return f"did you mean '{close}'?"
    return f"known {known}: " + ", ".join(sorted(choices))
