"""Opens photos safely (format, size, integrity) before anything renders them, and says what every
edition may assume of their pixels: 8 bits in a plain mode, and a profile that fits them.

Cameras and scanners write photos the layout libraries cannot take as they are: 16-bit greyscale
PNGs (WeasyPrint would embed them as noise, Pillow's thumbnails refuse them), or a colour profile for
another colour space than the pixels' (an RGB photo carrying a CMYK press profile, or the reverse:
LittleCMS refuses to build a transform). The loader names the problem once, as a warning at the
photo's caption or line (`conversion`); print, the e-book and the report all read photos through
`plain` and `fitting_profile`, so each converts the same way and none crashes.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageFile

# A 100-megapixel photo is a large camera original; beyond that we suspect a decompression bomb.
MAX_PIXELS = 100_000_000
SUPPORTED = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}
PHOTO_SUFFIXES = tuple(s for suffixes in SUPPORTED.values() for s in suffixes)


@dataclass(frozen=True)
class ImageInfo:
    format: str
    mode: str
    width: int
    height: int
    dpi: float | None
    conversion: Conversion | None = None  # what the editions must do to use it (a profile for other colours)


class PhotoProblem(Exception):
    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


def _check_profile(icc: bytes | None) -> None:
    """Both editions convert colour through the embedded profile: a damaged one must be said, not crash."""
    if not icc:
        return
    try:
        ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (OSError, ImageCms.PyCMSError):
        raise PhotoProblem("its embedded colour profile is damaged",
                           "export the photo again with its colour profile (sRGB or Adobe RGB) embedded") from None


def probe(path: Path) -> ImageInfo:
    """Reads the header, checks the format matches the name, and decodes the data once."""
    Image.MAX_IMAGE_PIXELS = None  # we enforce our own limit from the header, before decoding
    # WeasyPrint sets LOAD_TRUNCATED_IMAGES on import, which would let a cut-off photo through grey.
    tolerant, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                fmt = image.format or "unknown"
                width, height = image.size
                if fmt not in SUPPORTED:
                    raise PhotoProblem(f"{fmt} images are not supported",
                                       "save the photo as JPEG (photographs) or PNG (graphics)")
                if path.suffix.lower() not in SUPPORTED[fmt]:
                    raise PhotoProblem(
                        f"the file is a {fmt} image but is named '{path.suffix}'",
                        f"rename it to end in {SUPPORTED[fmt][0]}")
                if width * height > MAX_PIXELS:
                    raise PhotoProblem(
                        f"{width}×{height} pixels is too large to be a photo ({width * height / 1e6:.0f} MP)",
                        f"downscale it below {MAX_PIXELS // 1_000_000} megapixels")
                dpi = image.info.get("dpi")
                mode = image.mode
                _check_profile(image.info.get("icc_profile"))
                converted = conversion(image)
                if fmt == "JPEG":
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
    except PhotoProblem:
        raise
    except Image.DecompressionBombError as exc:
        raise PhotoProblem(f"refused as a decompression bomb: {exc}") from None
    except (OSError, SyntaxError, ValueError) as exc:
        detail = str(exc) or type(exc).__name__
        if "cannot identify image file" in detail:
            raise PhotoProblem("the file is not a JPEG or PNG image",
                               "export the photo as JPEG (photographs) or PNG (graphics)") from None
        if "truncated" in detail.lower() or "broken data stream" in detail.lower():
            raise PhotoProblem("the image data is truncated or damaged",
                               "export the photo again from its original") from None
        raise PhotoProblem(f"cannot be read as an image ({detail})",
                           "check the file is a JPEG or PNG and not damaged") from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = tolerant
    ppi = float(dpi[0]) if dpi and dpi[0] else None
    return ImageInfo(fmt, mode, width, height, ppi, converted)


# Colour: what the editions may assume of a photo's pixels -------------------------------------

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
