from pathlib import Path


def make(case: Path) -> None:
    """A list nested 300 levels deep."""
    items = "".join("  " * level + f"- level {level}\n" for level in range(300))
    (case / "feature.md").write_text("# A Small Feature\n\n" + items, encoding="utf-8")
