from pathlib import Path

from conftest import make_photo


def make(case: Path) -> None:
    """photos/harbour.jpg is a symlink to a real photo outside the manuscript folder."""
    outside = case.parent / "outside-the-manuscript.jpg"
    make_photo(outside, size=(600, 400))
    (case / "photos").mkdir(exist_ok=True)
    (case / "photos" / "harbour.jpg").symlink_to(outside)
