from pathlib import Path


def make(case: Path) -> None:
    """The text is a symlink to a file outside the manuscript folder."""
    (case / "feature.md").symlink_to("/etc/passwd")
