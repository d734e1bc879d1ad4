"""Turns WeasyPrint's PDF into one a printer's prepress desk accepts: PDF/X-4 or PDF/X-1a:2003.

WeasyPrint alone writes no CMYK output intent, draws colours in DeviceRGB and its crop marks in
RGB transparency groups. This pass, run on the written file with pikepdf, adds what PDF/X asks
for: the output intent with its embedded CMYK profile, Info and XMP saying which PDF/X it is,
TrimBox/BleedBox on every page, colours converted through the output profile, marks drawn in
registration colour, page labels, and (for X-1a) a check that nothing transparent or RGB is left.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pikepdf
from PIL import Image, ImageCms

from publish.editions.deterministic import Claims, Description, srgb_profile, stable_image_names, write_description
from publish.editions.pagemap import first_folio
from publish.manuscript.photos import fitting_profile

MM = 72 / 25.4
ICC_DIR = "icc"
STANDARDS = {"pdf/x-4": "PDF/X-4", "pdf/x-1a": "PDF/X-1a:2003"}
PDF_VERSIONS = {"pdf/x-4": "1.6", "pdf/x-1a": "1.4"}


@dataclass(frozen=True)
class OutputCondition:
    """A CMYK printing condition: the profile embedded as /DestOutputProfile and how PDF/X names it."""

    key: str
    profile: Path
    identifier: str  # OutputConditionIdentifier: a registry reference name, or "Custom"
    info: str  # human-readable condition, written as Info and OutputCondition
    registry: str = "http://www.color.org"

    @property
    def data(self) -> bytes:
        return self.profile.read_bytes()


# The three profiles built for us from free characterisation data (styles/icc/README.md).
BUILT_IN = {
    "fogra39": ("FOGRA39-coated.icc", "FOGRA39", "Coated FOGRA39 (ISO 12647-2:2004)"),
    "gracol": ("GRACoL-coated.icc", "CGATS TR 006", "GRACoL coated, grade 1 (CGATS TR 006-2007)"),
    "snap": ("SNAP-newsprint.icc", "CGATS TR 002", "SNAP newsprint (CGATS TR 002-2007)"),
}
ALIASES = {"cgats tr 006": "gracol", "cgats tr 002": "snap", "gracol2006": "gracol",
           "fogra39l": "fogra39", "newsprint": "snap"}


class ProfileProblem(ValueError):
    """The output profile named in the metadata cannot serve as a CMYK output intent."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


def built_in_condition(name: str, styles_file) -> OutputCondition | None:  # noqa: ANN001 - Styles.file
    """One of the bundled conditions by name (case-insensitive), or None."""
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in BUILT_IN:
        return None
    file, identifier, info = BUILT_IN[key]
    return OutputCondition(key, styles_file(f"{ICC_DIR}/{file}"), identifier, info)


def custom_condition(path: Path) -> OutputCondition:
    """A profile file the printer supplied: it must be a CMYK output (printer) profile."""
    try:
        profile = ImageCms.getOpenProfile(str(path))
    except (OSError, ImageCms.PyCMSError) as exc:
        raise ProfileProblem(f"'{path.name}' is not a readable ICC profile ({exc})",
                             "use the .icc file exactly as the printer sent it") from None
    space = profile.profile.xcolor_space.strip()
    if space != "CMYK" or profile.profile.device_class != "prtr":
        raise ProfileProblem(
            f"'{path.name}' is a {space} {profile.profile.device_class} profile, not a CMYK output profile",
            "PDF/X needs the printer's CMYK characterisation profile (device class 'prtr')")
    description = (ImageCms.getProfileDescription(profile) or path.stem).strip()
    return OutputCondition(path.stem.lower(), path, "Custom", description)


# Colour ------------------------------------------------------------------------


class ColourConverter:
    """sRGB colours of text and rules into the output intent's CMYK; neutral greys onto black ink only."""

    def __init__(self, condition: OutputCondition):
        self._transform = ImageCms.buildTransform(
            ImageCms.createProfile("sRGB"), ImageCms.ImageCmsProfile(io.BytesIO(condition.data)),
            "RGB", "CMYK", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
            flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
        self._cache: dict[tuple[int, int, int], tuple[float, ...]] = {}

    def convert(self, rgb: Iterable[float]) -> tuple[float, ...]:
        """One gray value (DeviceGray, printed on K alone) or four CMYK values, each 0…1."""
        r, g, b = (max(0, min(255, round(float(v) * 255))) for v in rgb)
        if max(r, g, b) - min(r, g, b) <= 1:  # a neutral: black text must not become four-colour black
            return (round((r + g + b) / 3 / 255, 4),)
        key = (r, g, b)
        if key not in self._cache:
            pixel = ImageCms.applyTransform(Image.new("RGB", (1, 1), key), self._transform)
            self._cache[key] = tuple(round(v / 255, 4) for v in pixel.getpixel((0, 0)))
        return self._cache[key]

    def as_cmyk(self, rgb: Iterable[float]) -> list[float]:
        values = self.convert(rgb)
        return [0.0, 0.0, 0.0, round(1 - values[0], 4)] if len(values) == 1 else list(values)


def _numbers(values: Iterable[float]) -> list[Decimal]:
    return [Decimal(str(v)) for v in values]


def _rewrite_stream(instructions: list, colours: ColourConverter,
                    renames: dict[str, str]) -> tuple[list, bool]:
    """Content stream instructions with every DeviceRGB colour converted and images renamed."""
    out = []
    changed = False
    rgb_space = {"fill": False, "stroke": False}
    for instruction in instructions:
        operands, operator = instruction.operands, str(instruction.operator)
        if operator == "Do" and operands and str(operands[0]) in renames:
            out.append(pikepdf.ContentStreamInstruction([pikepdf.Name(renames[str(operands[0])])],
                                                        instruction.operator))
            changed = True
            continue
        if operator in ("cs", "CS") and operands:
            side = "fill" if operator == "cs" else "stroke"
            rgb_space[side] = str(operands[0]) == "/DeviceRGB"
            if rgb_space[side]:
                changed = True
                continue  # the colour that follows sets its own space
        is_rgb = operator in ("rg", "RG") or (operator in ("sc", "scn", "SC", "SCN")
                                              and rgb_space["fill" if operator.islower() else "stroke"])
        if is_rgb and len(operands) == 3:
            values = colours.convert(operands)
            op = "g" if len(values) == 1 else "k"
            op = op if operator.islower() else op.upper()
            out.append(pikepdf.ContentStreamInstruction(_numbers(values), pikepdf.Operator(op)))
            changed = True
            continue
        out.append(instruction)
    return out, changed


def _rename_images(resources: pikepdf.Object, done: dict[tuple[int, int], dict[str, str]]) -> dict[str, str]:
    """Image resources named by their content, not by WeasyPrint's hash of a (temporary) file path."""
    key = resources.objgen if resources.is_indirect else (id(resources), -1)
    if key in done:
        return done[key]
    renames: dict[str, str] = {}
    xobjects = resources.get("/XObject")
    if xobjects is not None:
        for name in sorted(xobjects.keys()):
            image = xobjects[name]
            if image.get("/Subtype") != "/Image":
                continue
            new = "/Im" + hashlib.sha256(image.read_raw_bytes()).hexdigest()[:12]
            if new != name and new not in xobjects:
                renames[name] = new
        for old, new in renames.items():
            xobjects[new] = xobjects[old]
            del xobjects[old]
    done[key] = renames
    return renames


def _recolour_function(function: pikepdf.Object, colours: ColourConverter) -> None:
    if function.get("/FunctionType") == 2:
        for key in ("/C0", "/C1"):
            rgb = [float(v) for v in function.get(key, [0, 0, 0] if key == "/C0" else [1, 1, 1])]
            if len(rgb) == 3:  # a function shared by two gradients is converted once
                function[key] = pikepdf.Array(_numbers(colours.as_cmyk(rgb)))
    elif function.get("/FunctionType") == 3:
        for part in function.Functions:
            _recolour_function(part, colours)
    else:
        raise PrepressError("a gradient uses a sampled colour function that cannot be converted to CMYK")


class PrepressError(RuntimeError):
    """The laid-out PDF holds something PDF/X forbids and this pass cannot convert."""


@dataclass
class _Walk:
    pdf: pikepdf.Pdf
    colours: ColourConverter
    strict: bool  # PDF/X-1a: no transparency, no RGB, no device-independent colour
    srgb: pikepdf.Object | None = None
    seen: set[tuple[int, int]] | None = None
    renamed: dict = field(default_factory=dict)

    def resources(self, resources: pikepdf.Object) -> None:
        """Recolours shadings, tags or checks images and visits form XObjects, once each."""
        if self.seen is None:
            self.seen = set()
        for shading in dict(resources.get("/Shading", {})).values():
            self.shading(shading)
        for pattern in dict(resources.get("/Pattern", {})).values():
            if pattern.get("/PatternType") == 2:  # a shading pattern: a gradient, no content stream
                self.shading(pattern.Shading)
            else:
                self.xobject(pattern)
        for xobject in dict(resources.get("/XObject", {})).values():
            if xobject.get("/Subtype") == "/Image":
                self.image(xobject)
            else:
                self.xobject(xobject)
        for state in dict(resources.get("/ExtGState", {})).values():
            if self.strict:
                _check_opaque(state)

    def shading(self, shading: pikepdf.Object) -> None:
        """A gradient drawn in DeviceRGB is redrawn between the CMYK equivalents of its colours."""
        if shading.is_indirect:
            if shading.objgen in self.seen:  # type: ignore[operator]
                return
            self.seen.add(shading.objgen)  # type: ignore[union-attr]
        if str(shading.get("/ColorSpace")) == "/DeviceRGB":
            shading.ColorSpace = pikepdf.Name.DeviceCMYK
            function = shading.Function
            for part in function if isinstance(function, pikepdf.Array) else [function]:
                _recolour_function(part, self.colours)

    def xobject(self, xobject: pikepdf.Object) -> None:
        if xobject.objgen in self.seen:  # type: ignore[operator]
            return
        self.seen.add(xobject.objgen)  # type: ignore[union-attr]
        renames = _rename_images(xobject.Resources, self.renamed) if "/Resources" in xobject else {}
        instructions, changed = _rewrite_stream(pikepdf.parse_content_stream(xobject), self.colours, renames)
        if changed:
            xobject.write(pikepdf.unparse_content_stream(instructions))
        group = xobject.get("/Group")
        if group is not None and group.get("/S") == "/Transparency":
            if self.strict:
                del xobject["/Group"]  # opaque content in a group paints the same without it
            elif str(group.get("/CS")) == "/DeviceRGB":
                group.CS = pikepdf.Name.DeviceCMYK
        if "/Resources" in xobject:
            self.resources(xobject.Resources)

    def image(self, image: pikepdf.Object) -> None:
        if image.objgen in self.seen:  # type: ignore[operator]
            return
        self.seen.add(image.objgen)  # type: ignore[union-attr]
        space = image.get("/ColorSpace")
        if self.strict:
            if "/SMask" in image or "/Mask" in image:
                raise PrepressError("an image has transparency, which PDF/X-1a forbids")
            if str(space) not in ("/DeviceCMYK", "/DeviceGray"):
                raise PrepressError(f"an image is in {space}; PDF/X-1a allows only CMYK and grey")
            return
        if str(space) == "/DeviceRGB":
            image.ColorSpace = pikepdf.Array([pikepdf.Name.ICCBased, self._profile_of(image)])
        if "/SMask" in image:
            self.seen.add(image.SMask.objgen)  # type: ignore[union-attr]

    def _profile_of(self, image: pikepdf.Object) -> pikepdf.Object:
        """The photo's own ICC profile when its JPEG carries one, else sRGB (what untagged RGB means)."""
        if image.get("/Filter") == "/DCTDecode":
            with Image.open(io.BytesIO(image.read_raw_bytes())) as picture:
                icc = fitting_profile(picture)  # never a CMYK profile on RGB pixels
            if icc:
                return _icc_stream(self.pdf, icc, 3)
        if self.srgb is None:
            srgb = srgb_profile()  # lcms's own profile carries the clock in its header
            self.srgb = _icc_stream(self.pdf, srgb, 3)
        return self.srgb


def _icc_stream(pdf: pikepdf.Pdf, data: bytes, components: int) -> pikepdf.Object:
    stream = pikepdf.Stream(pdf, data)
    stream.N = components
    return pdf.make_indirect(stream)


def _check_opaque(state: pikepdf.Object) -> None:
    for key in ("/ca", "/CA"):
        if key in state and float(state[key]) < 1:
            raise PrepressError("the layout uses transparency (opacity below 1), which PDF/X-1a forbids")
    if str(state.get("/SMask", "/None")) != "/None":
        raise PrepressError("the layout uses a soft mask, which PDF/X-1a forbids")
    if str(state.get("/BM", "/Normal")) not in ("/Normal", "/Compatible"):
        raise PrepressError("the layout uses a blend mode, which PDF/X-1a forbids")


# Marks ------------------------------------------------------------------------


def _marks_stream(trim: tuple[float, float, float, float], bleed: float) -> bytes:
    """Crop marks at the trim corners and registration targets on each side, outside the bleed."""
    x0, y0, x1, y1 = trim
    offset = max(bleed, 3 * MM)
    length = 5 * MM
    ops = ["q", "/CSAll CS 1 SCN", "0.25 w", "0 J"]

    def line(ax: float, ay: float, bx: float, by: float) -> None:
        ops.append(f"{ax:.3f} {ay:.3f} m {bx:.3f} {by:.3f} l S")

    for x, direction in ((x0, -1), (x1, 1)):
        for y, vertical in ((y0, -1), (y1, 1)):
            line(x + direction * offset, y, x + direction * (offset + length), y)  # horizontal mark
            line(x, y + vertical * offset, x, y + vertical * (offset + length))  # vertical mark
    radius = 2 * MM
    middle = offset + length / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    for tx, ty in ((cx, y0 - middle), (cx, y1 + middle), (x0 - middle, cy), (x1 + middle, cy)):
        k = 0.5523 * radius
        ops.append(
            f"{tx + radius:.3f} {ty:.3f} m "
            f"{tx + radius:.3f} {ty + k:.3f} {tx + k:.3f} {ty + radius:.3f} {tx:.3f} {ty + radius:.3f} c "
            f"{tx - k:.3f} {ty + radius:.3f} {tx - radius:.3f} {ty + k:.3f} {tx - radius:.3f} {ty:.3f} c "
            f"{tx - radius:.3f} {ty - k:.3f} {tx - k:.3f} {ty - radius:.3f} {tx:.3f} {ty - radius:.3f} c "
            f"{tx + k:.3f} {ty - radius:.3f} {tx + radius:.3f} {ty - k:.3f} {tx + radius:.3f} {ty:.3f} c S")
        line(tx - 1.5 * radius, ty, tx + 1.5 * radius, ty)
        line(tx, ty - 1.5 * radius, tx, ty + 1.5 * radius)
    ops.append("Q")
    return ("\n".join(ops) + "\n").encode()


def _registration_space(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The Separation /All colour: marks print on every plate, without any RGB or transparency."""
    tint = pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[1, 1, 1, 1], N=1)
    return pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name.All, pikepdf.Name.DeviceCMYK,
                          pdf.make_indirect(tint)])


# Metadata ---------------------------------------------------------------------


def pdfx_claims(standard: str) -> Claims:
    """What PDF/X asks the file to say: its version in Info and XMP, trapping, and XMP's rendition keys."""
    version = STANDARDS[standard]
    xmp = [("pdfxid", "GTS_PDFXVersion", version), ("xmpMM", "VersionID", "1"),
           ("xmpMM", "RenditionClass", "default"), ("pdf", "Trapped", "False")]
    info: list[tuple[str, object]] = [("/GTS_PDFXVersion", pikepdf.String(version)),
                                      ("/Trapped", pikepdf.Name("/False"))]
    if standard == "pdf/x-1a":  # PDF/X-1a:2003 also wants the conformance, in both places
        xmp += [("pdfx", "GTS_PDFXVersion", version), ("pdfx", "GTS_PDFXConformance", version)]
        info.append(("/GTS_PDFXConformance", pikepdf.String(version)))
    return Claims(xmp=tuple(xmp), info=tuple(info))


# The pass -----------------------------------------------------------------------


@dataclass(frozen=True)
class PrepressSettings:
    standard: str  # "pdf/x-4" | "pdf/x-1a"
    condition: OutputCondition
    bleed_mm: float
    marks: bool
    front_matter_pages: int  # pages before the first text: labelled i, ii, iii…


def finish(source: Path | pikepdf.Pdf, target: Path, settings: PrepressSettings, description: Description) -> None:
    """Reads WeasyPrint's PDF (a file, or a book joined in memory) and writes the PDF/X file to `target`."""
    strict = settings.standard == "pdf/x-1a"
    opened = pikepdf.open(source) if isinstance(source, Path) else contextlib.nullcontext(source)
    with opened as pdf:
        stable_image_names(pdf)  # WeasyPrint names images after their path: same bytes from any folder
        colours = ColourConverter(settings.condition)
        walk = _Walk(pdf, colours, strict)
        registration = _registration_space(pdf) if settings.marks else None
        bleed = settings.bleed_mm * MM
        for page in pdf.pages:
            trim = [float(v) for v in page.obj.get("/TrimBox", page.MediaBox)]
            renames = _rename_images(page.Resources, walk.renamed)
            instructions, changed = _rewrite_stream(pikepdf.parse_content_stream(page), colours, renames)
            if changed:
                page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
            walk.resources(page.Resources)
            if strict and "/Group" in page.obj:
                del page.obj["/Group"]
            _set_boxes(pdf, page, trim, bleed, registration)
            if strict and "/Annots" in page.obj:
                del page.obj["/Annots"]  # links have no place in a file for the press
        _drop_unused_colour_spaces(pdf, strict)
        _add_output_intent(pdf, settings.condition)
        write_description(pdf, description, pdfx_claims(settings.standard))
        pdf.Root.Lang = pikepdf.String(description.language)
        pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        page_labels(pdf, settings.front_matter_pages)
        if strict:
            pdf.save(target, force_version=PDF_VERSIONS[settings.standard], deterministic_id=True,
                     object_stream_mode=pikepdf.ObjectStreamMode.disable, fix_metadata_version=False,
                     compress_streams=True)
        else:
            pdf.save(target, force_version=PDF_VERSIONS[settings.standard], deterministic_id=True,
                     object_stream_mode=pikepdf.ObjectStreamMode.generate, fix_metadata_version=False)


def _set_boxes(pdf: pikepdf.Pdf, page: pikepdf.Page, trim: list[float], bleed: float,
               registration: pikepdf.Object | None) -> None:
    """TrimBox = the trim, BleedBox = trim + bleed; with marks the sheet grows to hold them."""
    x0, y0, x1, y1 = trim
    bleed_box = [x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed]
    page.TrimBox = pikepdf.Array(_numbers(round(v, 4) for v in trim))
    page.BleedBox = pikepdf.Array(_numbers(round(v, 4) for v in bleed_box))
    if registration is None:
        page.MediaBox = pikepdf.Array(_numbers(round(v, 4) for v in bleed_box))
        return
    slug = max(bleed, 3 * MM) + 5 * MM + 4 * MM
    page.MediaBox = pikepdf.Array(_numbers(round(v, 4) for v in (x0 - slug, y0 - slug, x1 + slug, y1 + slug)))
    clip = f"q {bleed_box[0]:.4f} {bleed_box[1]:.4f} {bleed_box[2] - bleed_box[0]:.4f} " \
           f"{bleed_box[3] - bleed_box[1]:.4f} re W n\n"
    page.contents_add(pdf.make_stream(clip.encode()), prepend=True)
    page.contents_add(pdf.make_stream(b"Q\n" + _marks_stream((x0, y0, x1, y1), bleed)))
    resources = page.Resources
    if "/ColorSpace" not in resources:
        resources.ColorSpace = pikepdf.Dictionary()
    resources.ColorSpace.CSAll = registration


def _drop_unused_colour_spaces(pdf: pikepdf.Pdf, strict: bool) -> None:
    """WeasyPrint declares Lab spaces on every page; X-1a allows none, so unused ones go."""
    if not strict:
        return
    used: set[str] = set()
    for page in pdf.pages:
        for instruction in pikepdf.parse_content_stream(page):
            if str(instruction.operator) in ("cs", "CS") and instruction.operands:
                used.add(str(instruction.operands[0]))
    for page in pdf.pages:
        spaces = page.Resources.get("/ColorSpace")
        if spaces is None:
            continue
        for name in list(spaces.keys()):
            if name not in used and name != "/CSAll":
                del spaces[name]


def _add_output_intent(pdf: pikepdf.Pdf, condition: OutputCondition) -> None:
    profile = _icc_stream(pdf, condition.data, 4)
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFX,
        OutputConditionIdentifier=pikepdf.String(condition.identifier),
        OutputCondition=pikepdf.String(condition.info),
        RegistryName=pikepdf.String(condition.registry),
        Info=pikepdf.String(condition.info),
        DestOutputProfile=profile,
    )
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])


def page_labels(pdf: pikepdf.Pdf, front_matter: int) -> None:
    """Roman numerals for the front matter, arabic from the first page of the first text (pagemap.first_folio)."""
    numbers: list = []
    if front_matter > 0:
        numbers += [0, pikepdf.Dictionary(S=pikepdf.Name.r)]
    if front_matter < len(pdf.pages):
        numbers += [front_matter, pikepdf.Dictionary(S=pikepdf.Name.D, St=first_folio(front_matter))]
    pdf.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(numbers))
