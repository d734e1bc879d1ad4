from pathlib import Path


def _photo(path: Path, size: tuple[int, int] = (600, 400), fmt: str = "JPEG") -> bytes:
    """A small real photo, written to path; returns its bytes."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.linear_gradient("L").resize(size).convert("RGB").save(path, fmt)
    return path.read_bytes()


def make(case: Path) -> None:
    """photos/harbour.jpg is a symlink to a real photo outside the manuscript folder."""
    outside = case.parent / "outside-the-manuscript.jpg"
    _photo(outside)
    (case / "photos").mkdir(exist_ok=True)
    (case / "photos" / "harbour.jpg").symlink_to(outside)
