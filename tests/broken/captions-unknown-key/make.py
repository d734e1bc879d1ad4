from pathlib import Path


def _photo(path: Path, size: tuple[int, int] = (600, 400), fmt: str = "JPEG") -> bytes:
    """A small real photo, written to path; returns its bytes."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.linear_gradient("L").resize(size).convert("RGB").save(path, fmt)
    return path.read_bytes()


def make(case: Path) -> None:
    _photo(case / "photos" / "harbour.jpg")
