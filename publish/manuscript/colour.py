"""What every edition may assume of a photo's pixels: 8 bits in a plain mode, and a profile that fits them.

Cameras and scanners write photos the layout libraries cannot take as they are: 16-bit greyscale
PNGs (WeasyPrint would embed them as noise, Pillow's thumbnails refuse them), or a colour profile for
another colour space than the pixels' (an RGB photo carrying a CMYK press profile, or the reverse:
LittleCMS refuses to build a transform). The loader names the problem once, as a warning at the
photo's caption or line (`conversion`); print, the e-book and the report all read photos through
`plain` and `fitting_profile`, so each converts the same way and none crashes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms

# Modes WeasyPrint, LittleCMS and the JPEG and PNG writers take as they are.
PLAIN_MODES = ("L", "LA", "RGB", "RGBA", "P", "CMYK")
# The colour space (as an ICC header names it) a profile must have to describe pixels of a mode.
_SPACE = {"L": "GRAY", "LA": "GRAY", "RGB": "RGB", "RGBA": "RGB", "P": "RGB", "PA": "RGB", "CMYK": "CMYK"}
_SPACE_NAMES = {"GRAY": "greyscale", "RGB": "RGB", "CMYK": "CMYK", "LAB": "Lab", "XYZ": "XYZ"}
# How pixels without a (fitting) profile are read, and what profile a photo of each space should carry.
_UNTAGGED = {"GRAY": "plain grey", "RGB": "sRGB", "CMYK": "the print's output condition"}
_EXAMPLE = {"GRAY": "a grey gamma 2.2 profile", "RGB": "sRGB or Adobe RGB", "CMYK": "the printer's CMYK profile"}
# Where a mode that is not plain goes: greyscale stays grey, anything else becomes RGB (with its alpha).
_PLAIN_OF = {"1": "L", "I": "L", "F": "L", "La": "LA", "PA": "RGBA", "RGBa": "RGBA", "RGBX": "RGB",
             "LAB": "RGB", "YCbCr": "RGB", "HSV": "RGB"}


@dataclass(frozen=True)
class Conversion:
    """Why a photo cannot be used as it is, what the editions do instead (`message`), and the cure."""

    message: str
    hint: str


def profile_space(icc: bytes | None) -> str | None:
    """The colour space a profile describes (GRAY, RGB, CMYK…), None when there is none or it is unreadable."""
    if not icc:
        return None
    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile.xcolor_space.strip() or None
    except (OSError, ImageCms.PyCMSError):
        return None


def fitting_profile(image: Image.Image) -> bytes | None:
    """The photo's embedded profile when it describes the photo's own colour space; else None, and the
    pixels are read as untagged ones are (RGB as sRGB, CMYK as the print's output condition)."""
    icc = image.info.get("icc_profile")
    space = profile_space(icc)
    if space is None or space != _SPACE.get(_plain_mode(image.mode)):
        return None
    return icc


def _plain_mode(mode: str) -> str:
    if mode in PLAIN_MODES:
        return mode
    if mode.startswith("I;16") or mode in ("I", "F", "1"):
        return "L"
    return _PLAIN_OF.get(mode, "RGB")


def plain(image: Image.Image) -> Image.Image:
    """The photo in a plain 8-bit mode; the same image when it already is one (nothing is decoded)."""
    if image.mode in PLAIN_MODES:
        return image
    target = _plain_mode(image.mode)
    if image.mode.startswith("I;16") or image.mode == "I":
        wide = image.convert("I") if image.mode != "I" else image
        low, high = wide.getextrema()
        # 16 bits a channel scaled to 8 (Pillow's own conversion clips everything above 255 to white).
        converted = (wide.point(lambda v: v / 257) if high > 255 else wide).convert("L")
    else:
        converted = image.convert(target)
    converted.info = {k: v for k, v in image.info.items() if k != "icc_profile"}
    return converted


def conversion(image: Image.Image) -> Conversion | None:
    """What the editions will have to do to this photo, read from its header; None when nothing."""
    icc = image.info.get("icc_profile")
    mode = _plain_mode(image.mode)
    space = profile_space(icc)
    if space is not None and space != _SPACE.get(mode):
        own = _SPACE[mode]
        return Conversion(
            f"the photo is {_SPACE_NAMES[own]}, but its colour profile ({_description(icc)}) is for "
            f"{_SPACE_NAMES.get(space, space)}: the profile is ignored and the colours are read as {_UNTAGGED[own]}",
            f"export the photo again with the {_SPACE_NAMES[own]} profile it was edited in embedded "
            f"(e.g. {_EXAMPLE[own]})")
    return None


def plain_copy(path: Path, folder: Path) -> Path | None:
    """A PNG copy in `folder` of a photo whose mode WeasyPrint cannot draw (16-bit grey); None when it can.

    (WeasyPrint draws pixels in their device colour space and ignores an embedded profile.)
    """
    with Image.open(path) as master:
        image = plain(master)
        if image is master:
            return None
        target = folder / f"{path.stem}.png"
        image.save(target, "PNG")
        return target


def _description(icc: bytes | None) -> str:
    """The profile's name as a colour picker shows it: its first part, shortened."""
    try:
        name = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc or b""))).strip()
    except (OSError, ImageCms.PyCMSError):
        name = ""
    name = name.split(" - ")[0].strip()
    return f"'{name[:48]}…'" if len(name) > 48 else f"'{name}'" if name else "unnamed"
