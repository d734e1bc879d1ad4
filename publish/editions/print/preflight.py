"""Preflight of every photo for print: resolution at its placed size, colour mode, transparency.

Runs twice around the layout. Before it, `prepare` decides how each photo reaches the press
and, for PDF/X-1a, converts it into the output intent's CMYK (and flattens transparency) into a
temporary derived file; the print masters are never touched. After it, `check_resolution`
measures each photo at the size the layout gave it: below 300 ppi a warning, below the photo's
`min_ppi` (150 unless its captions entry says otherwise) a refusal with the text's path:line.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageCms

from publish.editions.print.pdfx import OutputCondition
from publish.engine.boxes import PlacedImage, placed_images
from publish.manuscript.photos import fitting_profile, plain
from publish.model.diagnostics import Diagnostics, printable
from publish.model.document import Article, Figure, Photo, Publication

WANTED_PPI = 300
MAX_CROP = 20  # percent of a photo's area a crop (object-fit: cover) may cut before print warns
MIN_ACCEPTABLE_PPI = 30  # the lowest min_ppi captions.toml takes: a hint must not offer less
MM_PER_PX = 25.4 / 96  # CSS pixels


@dataclass
class PhotoReport:
    """What preflight found and did for one photo; one line of the build's report."""

    name: str
    mode: str
    profile: str  # the embedded ICC profile's description, or how untagged colour is read
    transparency: bool
    action: str  # how the photo reaches the press
    # ppi, width mm, height mm (of what is shown), share of the photo shown (1: all of it)
    placements: list[tuple[float, ...]] = field(default_factory=list)

    def format(self) -> str:
        sizes = ", ".join(f"{round(ppi)} ppi at {w:.0f}×{h:.0f} mm"
                          + (f" showing {kept[0]:.0%} of it" if kept and kept[0] < 0.995 else "")
                          for ppi, w, h, *kept in self.placements)
        alpha = ", transparent" if self.transparency else ""
        return f"{printable(self.name)}: {self.mode} ({self.profile}){alpha}; {sizes or 'not placed'}; {self.action}"


def _has_transparency(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        alpha = image.convert("RGBA").getchannel("A")
        return alpha.getextrema()[0] < 255
    return False


def _profile_name(icc: bytes | None, mode: str) -> str:
    if not icc:
        return {"CMYK": "no profile: assumed to be the output condition", "L": "grey"}.get(
            mode, "no profile: read as sRGB")
    try:
        return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip() or "ICC"
    except (OSError, ImageCms.PyCMSError):
        return "damaged profile: read as sRGB"


def _source_profile(icc: bytes | None) -> ImageCms.ImageCmsProfile:
    if icc:
        try:
            return ImageCms.ImageCmsProfile(io.BytesIO(icc))
        except (OSError, ImageCms.PyCMSError):
            pass
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _flatten(image: Image.Image) -> Image.Image:
    """Transparent pixels composed over white paper: what X-1a, which has no transparency, prints."""
    rgba = image.convert("RGBA" if image.mode not in ("LA", "L") else "LA")
    paper = Image.new(rgba.mode, rgba.size, (255,) * len(rgba.mode))
    paper.alpha_composite(rgba) if rgba.mode == "RGBA" else paper.paste(rgba, mask=rgba.getchannel("A"))
    return paper.convert(rgba.mode[:-1])


def _derived_name(photo: Photo, suffix: str) -> str:
    digest = hashlib.sha256(photo.path.read_bytes()).hexdigest()[:16]
    return f"{Path(photo.name).stem}-{digest}{suffix}"


ARCHIVE = "pdf/a"  # the archive edition's layout: print's pages, photos in sRGB for PDF/A


def prepare(publication: Publication, standard: str, condition: OutputCondition, workdir: Path,
            diags: Diagnostics) -> tuple[dict[Path, Path], dict[str, PhotoReport]]:
    """The files the layout should place instead of the masters, and a report per photo."""
    derived: dict[Path, Path] = {}
    reports: dict[str, PhotoReport] = {}
    to_cmyk = None
    for photo in publication.photos:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            master = Image.open(photo.path)  # the header only: pixels are decoded when converted
        # A profile for other colours than the pixels' is ignored (the loader warned), a 16-bit photo
        # read in 8 bits (manuscript/photos.py); either way the layout gets a derived copy, never the master.
        icc = fitting_profile(master)
        image = plain(master)
        must_copy = image is not master or icc != master.info.get("icc_profile")
        transparent = _has_transparency(image)
        report = PhotoReport(photo.name, master.mode, _profile_name(icc, image.mode), transparent,
                             "placed as it is")
        reports[photo.name] = report
        where = (photo.path, None)
        if standard == "pdf/x-1a":
            if transparent:
                diags.warning(*where, f"photo '{photo.name}' has transparency; PDF/X-1a has none, "
                              "so it is flattened onto white paper",
                              "use PDF/X-4 (standard = \"pdf/x-4\") to keep the transparency")
            if image.mode in ("L", "LA"):
                if image.mode == "LA" or must_copy:
                    target = workdir / _derived_name(photo, ".png")
                    (_flatten(image) if image.mode == "LA" else image).save(target, "PNG", icc_profile=icc)
                    derived[photo.path] = target
                report.action = "grey, printed on black ink" + (f", {_copied(master, image)} in a derived copy"
                                                                if must_copy else "")
                continue
            if image.mode == "CMYK":
                report.action = "already CMYK: placed as it is"
                continue
            if to_cmyk is None:
                to_cmyk = ImageCms.ImageCmsProfile(io.BytesIO(condition.data))
            rgb = _flatten(image) if transparent else image.convert("RGB")
            transform = ImageCms.buildTransform(
                _source_profile(icc), to_cmyk, "RGB", "CMYK",
                renderingIntent=ImageCms.Intent.PERCEPTUAL, flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
            cmyk = ImageCms.applyTransform(rgb, transform)
            target = workdir / _derived_name(photo, ".jpg")
            cmyk.save(target, "JPEG", quality=95, subsampling=0, dpi=image.info.get("dpi", (300, 300)))
            derived[photo.path] = target
            report.action = f"converted to CMYK for {condition.info} (perceptual), in a derived copy"
            continue
        if standard == ARCHIVE and image.mode == "CMYK":
            # PDF/A's output intent is sRGB: a CMYK master is shown through its own profile (or the
            # print condition's) in an sRGB copy, as the reader's screen would show it.
            source = _source_profile(icc) if icc else ImageCms.ImageCmsProfile(io.BytesIO(condition.data))
            rgb = ImageCms.applyTransform(image, ImageCms.buildTransform(
                source, ImageCms.createProfile("sRGB"), "CMYK", "RGB",
                renderingIntent=ImageCms.Intent.PERCEPTUAL))
            target = workdir / _derived_name(photo, ".jpg")
            rgb.save(target, "JPEG", quality=95, subsampling=0, dpi=image.info.get("dpi", (300, 300)))
            derived[photo.path] = target
            report.action = "CMYK master shown in sRGB for the archive, in a derived copy"
            continue
        # PDF/X-4: RGB keeps its colour profile; the master is used unless it must be adapted.
        drop_alpha = image.mode in ("RGBA", "LA", "PA") and not transparent
        # A PNG's profile is lost when WeasyPrint embeds it, so its colours are moved into sRGB first.
        to_srgb = bool(icc) and photo.format != "JPEG" and image.mode in ("RGB", "RGBA", "P", "PA")
        if drop_alpha or to_srgb or (must_copy and image.mode != "CMYK"):
            adapted = _opaque(image) if drop_alpha else image
            if to_srgb:
                mode = "RGBA" if adapted.mode in ("RGBA", "PA") else "RGB"
                adapted = ImageCms.applyTransform(adapted.convert(mode), ImageCms.buildTransform(
                    _source_profile(icc), ImageCms.createProfile("sRGB"), mode, mode,
                    renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC))
            target = workdir / _derived_name(photo, ".png")
            # Pillow writes the master's own profile unless told otherwise: a profile for other colours must go.
            adapted.save(target, "PNG", icc_profile=icc if icc and not to_srgb else None)
            derived[photo.path] = target
            done = [("opaque alpha channel dropped" if drop_alpha else ""),
                    ("converted to sRGB" if to_srgb else ""),
                    (_copied(master, image) if must_copy else "")]
            report.action = ", ".join(d for d in done if d) + ", in a derived copy"
        elif image.mode == "CMYK":
            report.action = "CMYK, placed as it is"
        elif image.mode != "L":
            report.action = "RGB with its ICC profile" if icc else "RGB, tagged as sRGB"
    return derived, reports


def _copied(master: Image.Image, image: Image.Image) -> str:
    """What the derived copy changed of a master the layout could not take as it is."""
    if image is master:
        return "its colour profile left out"
    return f"{_MODE_NAMES.get(master.mode, master.mode)} read as 8-bit {_MODE_NAMES.get(image.mode, image.mode)}"


_MODE_NAMES = {"I;16": "16-bit grey", "I;16B": "16-bit grey", "I;16L": "16-bit grey", "I": "32-bit grey",
               "F": "floating-point grey", "1": "black-and-white", "L": "grey", "LA": "grey with alpha",
               "RGBA": "RGB with alpha"}


def _opaque(image: Image.Image) -> Image.Image:
    return image.convert("L" if image.mode == "LA" else "RGB")


def _figures(publication: Publication) -> dict[str, tuple[Figure, Article]]:
    found: dict[str, tuple[Figure, Article]] = {}
    for article in publication.articles:
        for figure in article.figures:  # a pair's and a grid's photos too, each measured as drawn
            found[figure.id] = (figure, article)
    return found


@dataclass(frozen=True)
class Visible:
    """What of a placed photo the page shows, whatever object-fit did to it."""

    ppi: float  # pixels per inch of the photo as drawn
    width_mm: float  # the part shown, as printed
    height_mm: float
    kept: float  # share of the photo's area shown (cover crops, `none` may too)
    cut: str  # which edges were cut: "top and bottom", "left and right", "" for none

    @property
    def placement(self) -> tuple[float, float, float, float]:
        return self.ppi, self.width_mm, self.height_mm, self.kept


def visible(image: PlacedImage) -> Visible | None:
    """The part of the photo its box shows: its size, its resolution and how much of the photo it is."""
    (pixels_w, pixels_h), (width, height) = image.pixels, image.box
    if not (pixels_w and pixels_h and width and height):
        return None
    sx, sy = width / pixels_w, height / pixels_h
    fit = image.fit
    if fit == "contain":
        sx = sy = min(sx, sy)
    elif fit == "cover":
        sx = sy = max(sx, sy)
    elif fit == "none":
        sx = sy = 1.0
    elif fit == "scale-down":
        sx = sy = min(1.0, min(sx, sy))
    shown_w, shown_h = min(width, pixels_w * sx), min(height, pixels_h * sy)
    kept_w, kept_h = shown_w / (pixels_w * sx), shown_h / (pixels_h * sy)
    cut = " and ".join(edges for edges, kept in (("left and right", kept_w), ("top and bottom", kept_h))
                       if kept < 0.995)
    return Visible(min(96 / sx, 96 / sy), shown_w * MM_PER_PX, shown_h * MM_PER_PX, kept_w * kept_h, cut)


def check_resolution(publication: Publication, document: object, reports: dict[str, PhotoReport],
                     diags: Diagnostics) -> None:
    """Warns below 300 ppi and refuses below the photo's min_ppi, at the place the text puts it; warns
    at the photo's caption entry when a crop cuts more of it than `max_crop` allows."""
    figures = _figures(publication)
    for page in document.pages:  # type: ignore[attr-defined]
        for placed in placed_images(page, set(figures)):
            figure, article = figures[placed.figure_id]
            shown = visible(placed)
            if shown is None:
                continue
            photo = figure.photo
            if photo.name in reports:
                reports[photo.name].placements.append(shown.placement)
            _check_crop(publication, figure, article, shown, diags)
            ppi, width_mm, height_mm = shown.ppi, shown.width_mm, shown.height_mm
            shown_ppi = round(ppi)
            where = (publication.root / article.source, figure.line)
            column = figure.column
            size = f"{width_mm:.0f} × {height_mm:.0f} mm"
            needed = round(photo.width_px * WANTED_PPI / ppi)
            entry = f"its entry in {_captions_of(photo)}"
            if shown_ppi < photo.min_ppi:
                diags.error(*where, f"photo '{photo.name}' prints at {shown_ppi} ppi ({size}); "
                            f"below {photo.min_ppi} ppi it would print visibly blurred",
                            f"use an original at least {needed} px wide, place it smaller, or accept "
                            f"it with min_ppi = {shown_ppi} in {entry}" if shown_ppi >= MIN_ACCEPTABLE_PPI
                            else f"use an original at least {needed} px wide: below "
                            f"{MIN_ACCEPTABLE_PPI} ppi no min_ppi accepts it", column)
            elif shown_ppi < WANTED_PPI:
                diags.warning(*where, f"photo '{photo.name}' prints at {shown_ppi} ppi ({size}); "
                              f"print wants {WANTED_PPI} ppi",
                              f"an original about {needed} px wide would print sharp", column)


def _check_crop(publication: Publication, figure: Figure, article: Article, shown: Visible,
                diags: Diagnostics) -> None:
    """A crop that cuts more of the photo than its caption entry's max_crop (or MAX_CROP) is said there."""
    photo = figure.photo
    limit = MAX_CROP if photo.max_crop is None else photo.max_crop
    lost = round((1 - shown.kept) * 100)
    if lost <= limit:
        return
    where = (photo.caption_file, photo.line) if photo.caption_file is not None else (
        publication.root / article.source, figure.line)
    kept = "" if photo.focus else "; the middle is kept"
    choose = "" if photo.focus else 'choose what is kept with focus = "top", "bottom", "left", "right" or "30% 20%", '
    diags.warning(*where, f"photo '{photo.name}' is cropped to its {shown.width_mm:.0f} × {shown.height_mm:.0f} mm "
                  f"box: {lost} % of it is cut ({shown.cut}){kept}",
                  f"{choose}use a photo closer to the box's proportions, or accept the crop with "
                  f"max_crop = {lost} in {_captions_of(photo)}")


def _captions_of(photo: Photo) -> str:
    return (Path(photo.name).parent / "captions.toml").as_posix()
