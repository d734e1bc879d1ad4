from pathlib import Path

from conftest import make_photo


def make(case: Path) -> None:
    """A JPEG cut off half way, as an interrupted copy leaves it."""
    path = case / "photos" / "harbour.jpg"
    data = make_photo(path, size=(600, 400)).read_bytes()
    path.write_bytes(data[: len(data) // 2])
