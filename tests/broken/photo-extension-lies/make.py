from pathlib import Path

from conftest import make_photo


def make(case: Path) -> None:
    """A PNG file named .jpg."""
    make_photo(case / "photos" / "harbour.jpg", size=(600, 400), fmt="PNG")
