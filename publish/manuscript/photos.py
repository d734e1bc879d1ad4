"""Opens photos safely (format, size, integrity) before anything renders them."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageFile

from publish.manuscript.colour import Conversion, conversion

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
