from pathlib import Path


def make(case: Path) -> None:
    """A vertical tab pasted from a word processor: no XML, so no EPUB, can hold it."""
    text = "# A Small Feature\n\nThe first paragraph.\n\nA line from the old\x0bsystem.\n"
    (case / "feature.md").write_text(text, encoding="utf-8")
