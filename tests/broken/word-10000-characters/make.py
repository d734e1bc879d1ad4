from pathlib import Path


def make(case: Path) -> None:
    """A 10,000-character word, as pasted data leaves it."""
    text = "# A Small Feature\n\nThe first paragraph.\n\n" + "x" * 10_000 + "\n"
    (case / "feature.md").write_text(text, encoding="utf-8")
