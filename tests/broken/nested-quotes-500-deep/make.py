from pathlib import Path


def make(case: Path) -> None:
    """A quotation nested 500 levels deep."""
    quotes = "".join(">" * level + f" level {level}\n" for level in range(1, 501))
    (case / "feature.md").write_text("# A Small Feature\n\n" + quotes, encoding="utf-8")
