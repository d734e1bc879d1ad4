from pathlib import Path


def make(case: Path) -> None:
    """A JPEG whose embedded ICC profile is garbage, as a broken export tool leaves it."""
    from PIL import Image

    path = case / "photos" / "harbour.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.linear_gradient("L").resize((600, 400)).convert("RGB")
    image.save(path, "JPEG", icc_profile=b"not a colour profile " * 8)
