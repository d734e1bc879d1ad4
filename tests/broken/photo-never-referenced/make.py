from pathlib import Path

from conftest import make_photo


def make(case: Path) -> None:
    """The photo exists and has a caption, but no text places it."""
    make_photo(case / "photos" / "harbour.jpg", size=(600, 400))
