from pathlib import Path

from conftest import make_photo


def make(case: Path) -> None:
    make_photo(case / "photos" / "harbour.jpg", size=(600, 400))
