from pathlib import Path


def make(case: Path) -> None:
    """The manuscript's own base.css is a symlink to a stylesheet outside its folder."""
    outside = case.parent / "outside.css"
    outside.write_text("body { color: red; }\n", encoding="utf-8")
    (case / "styles").mkdir(exist_ok=True)
    (case / "styles" / "base.css").symlink_to(outside)
