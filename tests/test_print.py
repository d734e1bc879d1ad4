"""The print edition a commercial printer accepts (issue 3): PDF/X, geometry, colour, preflight, navigation."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from conftest import REPO, BundledBuild, render_pages, run_publish, write_manuscript
from PIL import Image

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)


def box(page: pikepdf.Page, name: str) -> list[float]:
    return [float(v) for v in page.obj[name]]


def approx_box(values: list[float], expected: tuple[float, ...]) -> bool:
    return all(abs(a - b) < 0.01 for a, b in zip(values, expected, strict=True))


def every_object(pdf: pikepdf.Pdf):
    """Every object of the file, direct ones inside dictionaries and arrays included."""
    stack = list(pdf.objects)
    seen: set[tuple[int, int]] = set()
    while stack:
        obj = stack.pop()
        if not isinstance(obj, pikepdf.Object):
            continue  # numbers, strings, booleans come back as Python values
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        yield obj
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            stack.extend(obj[key] for key in obj)
        elif isinstance(obj, pikepdf.Array):
            stack.extend(obj)


def content_streams(pdf: pikepdf.Pdf):
    """Pages and form XObjects (transparency groups, patterns) with their instructions."""
    for page in pdf.pages:
        yield pikepdf.parse_content_stream(page)
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Form":
            yield pikepdf.parse_content_stream(obj)


def outline_titles(pdf: pikepdf.Pdf) -> list[tuple[int, str]]:
    with pdf.open_outline() as outline:
        found: list[tuple[int, str]] = []

        def walk(items, depth):
            for item in items:
                found.append((depth, item.title))
                walk(item.children, depth + 1)

        walk(outline.root, 0)
        return found


# The bundled feature, PDF/X-4 by default -----------------------------------------------------


def test_bundled_boxes_are_the_a4_trim_and_3mm_bleed(bundled: BundledBuild) -> None:
    with pikepdf.open(bundled.pdf) as pdf:
        assert len(pdf.pages) >= 4
        for page in pdf.pages:
            trim = box(page, "/TrimBox")
            bleed = box(page, "/BleedBox")
            assert approx_box(trim, (0, 0, *A4)), trim
            assert approx_box(bleed, (-3 * MM, -3 * MM, A4[0] + 3 * MM, A4[1] + 3 * MM)), bleed
            assert round((bleed[2] - bleed[0] - (trim[2] - trim[0])) / 2 / MM, 2) == 3.0
            assert approx_box(box(page, "/MediaBox"), tuple(bleed))  # no marks asked for


def test_bundled_output_intent_embeds_a_cmyk_profile(bundled: BundledBuild) -> None:
    with pikepdf.open(bundled.pdf) as pdf:
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1
        intent = intents[0]
        assert intent.S == "/GTS_PDFX"
        assert str(intent.OutputConditionIdentifier) == "FOGRA39"
        assert str(intent.RegistryName) == "http://www.color.org"
        profile = intent.DestOutputProfile
        assert int(profile.N) == 4
        icc = profile.read_bytes()
        assert icc[16:20] == b"CMYK" and icc[12:16] == b"prtr"
        assert icc == (REPO / "publish" / "styles" / "icc" / "FOGRA39-coated.icc").read_bytes()


def test_bundled_says_pdf_x4_in_xmp_and_info_alike(bundled: BundledBuild) -> None:
    with pikepdf.open(bundled.pdf) as pdf:
        assert pdf.pdf_version == "1.6"
        with pdf.open_metadata() as xmp:
            assert xmp["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
            assert xmp["dc:title"] == str(pdf.docinfo.Title)
            assert xmp["pdf:Trapped"] == "False"
            assert xmp["xmpMM:DocumentID"] == xmp["dc:identifier"]  # the edition's one identifier
            assert xmp["xmp:CreateDate"].startswith("2018-01-01T00:00:00")
        assert str(pdf.docinfo.GTS_PDFXVersion) == "PDF/X-4"
        assert pdf.docinfo.Trapped == "/False"
        assert str(pdf.docinfo.CreationDate).startswith("D:20180101000000")
        assert str(pdf.docinfo.Title) == "Ties that bind: 65 years of Japan–Cambodia diplomatic relations"
        assert str(pdf.Root.Lang) == "en"
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True


def test_bundled_embeds_every_font(bundled: BundledBuild) -> None:
    with pikepdf.open(bundled.pdf) as pdf:
        fonts = [obj for obj in every_object(pdf)
                 if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font"]
        assert fonts
        names = set()
        for font in fonts:
            descriptors = [font.get("/FontDescriptor")] + [
                d.get("/FontDescriptor") for d in font.get("/DescendantFonts", [])]
            descriptors = [d for d in descriptors if d is not None]
            assert descriptors, f"{font.get('/BaseFont')} has no font descriptor"
            for descriptor in descriptors:
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), \
                    f"{font.get('/BaseFont')} is not embedded"
                names.add(str(descriptor.FontName).split("+")[-1])
        assert {"Noto-Serif", "Noto-Serif-Display", "Noto-Sans"} <= names, names


def test_bundled_page_labels_and_outline(bundled: BundledBuild) -> None:
    with pikepdf.open(bundled.pdf) as pdf:
        labels = [page.label for page in pdf.pages]
        assert labels[:3] == ["i", "ii", "1"]
        assert labels[3:] == [str(n) for n in range(2, len(labels) - 1)]
        assert (0, "Ties that bind") in outline_titles(pdf)


def test_bundled_photos_keep_a_colour_profile_and_text_is_cmyk(bundled: BundledBuild) -> None:
    """X-4 allows RGB photos only with an ICC profile; text and rules are converted to CMYK/grey."""
    with pikepdf.open(bundled.pdf) as pdf:
        images = [obj for obj in every_object(pdf)
                  if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image" and "/SMask" not in obj]
        assert images
        for image in images:
            space = image.ColorSpace
            assert isinstance(space, pikepdf.Array) and space[0] == "/ICCBased", space
            assert int(space[1].N) == 3
        for instructions in content_streams(pdf):
            operators = {str(i.operator) for i in instructions}
            assert not operators & {"rg", "RG"}


def test_bundled_pages_as_pictures(bundled: BundledBuild) -> None:
    """Kept under tests/artefacts/print-bundled for people to look at, not compared pixel by pixel."""
    paths = render_pages(bundled.pdf, "print-bundled")
    assert len(paths) >= 4
    opener = Image.open(paths[2]).convert("L")
    # The lead photo runs off the top edge of the opener: its top row is not paper white.
    assert opener.crop((0, 0, opener.width, 2)).getextrema()[0] < 200
    # The first page (title page) has no folio; the opener's foot corner is white paper too.
    corner = opener.crop((int(opener.width * 0.85), int(opener.height * 0.93), opener.width, opener.height))
    assert corner.getextrema()[0] > 240


# A book of three texts: A5, 5 mm bleed, marks, PDF/X-1a from the command line -----------------


THREE_TEXTS_TOML = """\
title = "Three Texts"
language = "en"
date = 2020-05-01
publisher = "Test Press"
edition = "First edition"
texts = ["one.md", "two.md", "three.md"]

[[contributors]]
name = "Ada Writer"
role = "author"

[print]
trim = "A5"
bleed = "5mm"
marks = true
"""

PARAGRAPH = ("Relations between the two nations continue to deepen politically, economically and "
             "culturally, and the numbers tell a story of steady growth in investment and aid. ") * 3


def text(title: str, paragraphs: int, lead: str = "", notes: bool = False, photo: str = "") -> str:
    body = f'+++\ntitle = "{title}"\nbyline = "by Ada Writer"\n+++\n\n'
    if lead:
        body += f"![]({lead})\n\n"
    for index in range(paragraphs):
        note = f"[^n{index}]" if notes and index < 2 else ""
        body += PARAGRAPH + note + "\n\n"
        if index == 2:
            body += "## A section heading\n\n"
        if index == min(4, paragraphs - 2) and photo:
            body += f"![]({photo})\n\n"
    if notes:
        body += "[^n0]: A note at the foot of the page.\n\n[^n1]: Another note.\n"
    return body


CAPTIONS = """\
["harbour.jpg"]
caption = "Boats in the harbour."
credit = "Test Photographer"
alt = "Boats."

["opener.jpg"]
caption = "The river at dawn."
credit = "Opener Photographer"
alt = "A river."
placement = "opener"

["logo.png"]
caption = "A transparent graphic."
credit = "Studio"
alt = "A logo."
"""


def three_texts(root: Path) -> Path:
    write_manuscript(root, {
        "publication.toml": THREE_TEXTS_TOML,
        "feature.md": None,
        "one.md": text("The first text", 9, notes=True, photo="photos/harbour.jpg"),
        "two.md": text("The second text", 6, lead="photos/opener.jpg"),
        "three.md": text("A short third", 3, photo="photos/logo.png"),
        "photos/captions.toml": CAPTIONS,
    }, photos={"photos/opener.jpg": {"size": (1800, 2500)},
               "photos/logo.png": {"size": (900, 600), "mode": "RGBA", "fmt": "PNG"}})
    return root


@pytest.fixture(scope="module")
def x1a(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = three_texts(tmp_path_factory.mktemp("x1a") / "book")
    output = root.parent / "out"
    run = run_publish("pdf", str(root), "-o", str(output), "--standard", "pdf/x-1a",
                      env={"SOURCE_DATE_EPOCH": "1600000000"})
    assert run.returncode == 0, run.stderr
    return output / "three-texts.pdf", run.stderr


def test_x1a_is_pdf_1_4_with_x1a_identification(x1a: tuple[Path, str]) -> None:
    with pikepdf.open(x1a[0]) as pdf:
        assert pdf.pdf_version == "1.4"
        assert str(pdf.docinfo.GTS_PDFXVersion) == "PDF/X-1a:2003"
        assert str(pdf.docinfo.GTS_PDFXConformance) == "PDF/X-1a:2003"
        with pdf.open_metadata() as xmp:
            assert xmp["pdfxid:GTS_PDFXVersion"] == "PDF/X-1a:2003"
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFX" and int(intent.DestOutputProfile.N) == 4


def test_x1a_has_no_rgb_and_no_transparency(x1a: tuple[Path, str]) -> None:
    with pikepdf.open(x1a[0]) as pdf:
        images = 0
        for obj in every_object(pdf):
            if isinstance(obj, pikepdf.Name):
                assert obj not in ("/DeviceRGB", "/ICCBased", "/Lab", "/CalRGB"), obj
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                assert "/SMask" not in obj or obj.SMask == "/None"
                group = obj.get("/Group")
                assert group is None or group.get("/S") != "/Transparency"
                for key in ("/ca", "/CA"):
                    assert key not in obj or float(obj[key]) == 1
                if obj.get("/Subtype") == "/Image":
                    images += 1
                    assert obj.ColorSpace in ("/DeviceCMYK", "/DeviceGray")
        assert images == 3  # harbour, opener and the flattened transparent PNG
        for instructions in content_streams(pdf):
            assert not {str(i.operator) for i in instructions} & {"rg", "RG"}
    assert "photos/logo.png' has transparency; PDF/X-1a has none" in x1a[1]


def test_x1a_a5_boxes_with_5mm_bleed_and_registration_marks(x1a: tuple[Path, str]) -> None:
    with pikepdf.open(x1a[0]) as pdf:
        for page in pdf.pages:
            trim, bleed, media = box(page, "/TrimBox"), box(page, "/BleedBox"), box(page, "/MediaBox")
            assert round((trim[2] - trim[0]) / MM, 2) == 148.0 and round((trim[3] - trim[1]) / MM, 2) == 210.0
            assert round((trim[0] - bleed[0]) / MM, 2) == 5.0 and round((bleed[3] - trim[3]) / MM, 2) == 5.0
            assert media[0] < bleed[0] and media[2] > bleed[2]  # room for the marks outside the bleed
            spaces = page.Resources.ColorSpace
            registration = [spaces[k] for k in spaces if isinstance(spaces[k], pikepdf.Array)
                            and spaces[k][0] == "/Separation"]
            assert registration and registration[0][1] == "/All"
            operators = [(str(i.operator), [str(o) for o in i.operands])
                         for i in pikepdf.parse_content_stream(page)]
            assert ("CS", ["/CSAll"]) in operators


def test_x1a_contents_labels_outline_and_footnotes(x1a: tuple[Path, str]) -> None:
    with pikepdf.open(x1a[0]) as pdf:
        labels = [page.label for page in pdf.pages]
        first = labels.index("1")
        assert labels[:first] == ["i", "ii", "iii", "iv"][:first] and first >= 3  # title, imprint, contents
        titles = outline_titles(pdf)
        for title in ("Contents", "The first text", "The second text", "A short third"):
            assert (0, title) in titles
        assert (1, "A section heading") in titles
    paths = render_pages(x1a[0], "print-three-texts-x1a")
    assert len(paths) == len(labels)


def test_x1a_is_reproducible(x1a: tuple[Path, str], tmp_path: Path) -> None:
    """Derived CMYK photos live in a temporary folder, yet the bytes do not depend on it."""
    root = three_texts(tmp_path / "book")
    output = tmp_path / "out"
    run = run_publish("pdf", str(root), "-o", str(output), "--standard", "pdf/x-1a",
                      env={"SOURCE_DATE_EPOCH": "1600000000"})
    assert run.returncode == 0, run.stderr
    assert (output / "three-texts.pdf").read_bytes() == x1a[0].read_bytes()


# Preflight ------------------------------------------------------------------------------------


LOW_RES_TEXT = """\
+++
title = "A Small Feature"
+++

The first paragraph of a small feature.

![](photos/harbour.jpg)

The second paragraph, after the photo.
"""


def test_preflight_refuses_a_low_resolution_photo_at_its_line(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "ms", {"feature.md": LOW_RES_TEXT},
                            photos={"photos/harbour.jpg": {"size": (300, 200), "dpi": 72}})
    run = run_publish("pdf", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    match = re.search(rf"^{re.escape(str(root))}/feature\.md:7:5: error: photo 'photos/harbour\.jpg' prints at "
                      r"(\d+) ppi \((\d+) × (\d+) mm\); below 150 ppi it would print visibly blurred$",
                      run.stderr, re.M)
    assert match, run.stderr
    assert 30 <= int(match.group(1)) < 150
    assert "min_ppi = " in run.stderr and "photos/captions.toml" in run.stderr
    assert not (tmp_path / "out" / "a-small-feature.pdf").exists()


def test_preflight_min_ppi_lets_the_photo_through_with_a_warning(tmp_path: Path) -> None:
    captions = ('["harbour.jpg"]\ncaption = "Boats."\ncredit = "Test Photographer"\n'
                'alt = "Three fishing boats."\nmin_ppi = 30\n')
    root = write_manuscript(tmp_path / "ms", {"feature.md": LOW_RES_TEXT, "photos/captions.toml": captions},
                            photos={"photos/harbour.jpg": {"size": (300, 200), "dpi": 72}})
    run = run_publish("pdf", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    assert re.search(rf"^{re.escape(str(root))}/feature\.md:7:5: warning: photo 'photos/harbour\.jpg' prints at "
                     r"\d+ ppi \(\d+ × \d+ mm\); print wants 300 ppi$", run.stderr, re.M), run.stderr
    assert "preflight: photos/harbour.jpg: RGB" in run.stderr


# Output profiles ------------------------------------------------------------------------------


def test_printer_supplied_profile_inside_the_manuscript(tmp_path: Path) -> None:
    profile = REPO / "publish" / "styles" / "icc" / "GRACoL-coated.icc"
    root = write_manuscript(tmp_path / "ms")
    shutil.copy(profile, root / "printer.icc")
    meta = root / "publication.toml"
    meta.write_text(meta.read_text() + '\n[print]\noutput_profile = "printer.icc"\n', encoding="utf-8")
    run = run_publish("pdf", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    with pikepdf.open(tmp_path / "out" / "a-small-feature.pdf") as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert str(intent.OutputConditionIdentifier) == "Custom"
        assert intent.DestOutputProfile.read_bytes() == profile.read_bytes()
        assert "GRACoL" in str(intent.Info)


def test_an_rgb_profile_is_refused_as_output_intent(tmp_path: Path) -> None:
    from PIL import ImageCms

    root = write_manuscript(tmp_path / "ms")
    (root / "srgb.icc").write_bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    meta = root / "publication.toml"
    meta.write_text(meta.read_text() + '\n[print]\noutput_profile = "srgb.icc"\n', encoding="utf-8")
    run = run_publish("pdf", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 2, run.stderr
    line = len(meta.read_text().splitlines())
    assert f"{root}/publication.toml:{line}: error: print.output_profile: 'srgb.icc' is a RGB" in run.stderr


def test_unknown_condition_names_the_known_ones(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "ms")
    meta = root / "publication.toml"
    meta.write_text(meta.read_text() + '\n[print]\noutput_profile = "FOGRA93"\n', encoding="utf-8")
    run = run_publish("pdf", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 2
    assert "unknown printing condition 'FOGRA93'" in run.stderr and "FOGRA39" in run.stderr


def test_placed_size_is_measured_not_the_file_dpi(tmp_path: Path) -> None:
    """A photo saved at 72 dpi but with enough pixels for its column prints sharp: no warning."""
    root = write_manuscript(tmp_path / "ms", photos={"photos/harbour.jpg": {"size": (2400, 1600), "dpi": 72}})
    run = run_publish("pdf", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    assert "warning: photo" not in run.stderr
    ppi = int(re.search(r"preflight: photos/harbour\.jpg: .*?(\d+) ppi at", run.stderr).group(1))
    assert ppi >= 300



def test_x1a_refuses_a_stylesheet_that_asks_for_transparency(tmp_path: Path) -> None:
    """PDF/X-1a has no transparency: an opacity in the manuscript's own print.css is named, not flattened."""
    root = write_manuscript(tmp_path / "ms", {"styles/print.css": ".byline { opacity: 0.5; }\n"})
    meta = root / "publication.toml"
    meta.write_text(meta.read_text() + '\n[print]\nstandard = "pdf/x-1a"\n', encoding="utf-8")
    run = run_publish("pdf", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 2, run.stderr
    line = len(meta.read_text().splitlines())
    assert (f"{root}/publication.toml:{line}: error: PDF/X-1a:2003: the layout uses transparency "
            "(opacity below 1), which PDF/X-1a forbids") in run.stderr
    assert not (tmp_path / "out" / "a-small-feature.pdf").exists()


def test_x1a_converts_a_stylesheet_gradient_to_cmyk(tmp_path: Path) -> None:
    css = ".article-header { background: linear-gradient(90deg, #9b1c1c, #f1ede4); }\n"
    root = write_manuscript(tmp_path / "ms", {"styles/print.css": css})
    run = run_publish("pdf", str(root), "-o", str(tmp_path / "out"), "--standard", "pdf/x-1a")
    assert run.returncode == 0, run.stderr
    with pikepdf.open(tmp_path / "out" / "a-small-feature.pdf") as pdf:
        shadings = [obj for obj in every_object(pdf)
                    if isinstance(obj, pikepdf.Dictionary) and "/ShadingType" in obj]
        assert shadings
        for shading in shadings:
            assert shading.ColorSpace == "/DeviceCMYK"
        assert not any(isinstance(obj, pikepdf.Name) and obj == "/DeviceRGB" for obj in every_object(pdf))


def test_captions_stay_with_their_photos_and_notes_with_their_calls(x1a: tuple[Path, str]) -> None:
    """Read from the laid-out pages: each figure's photo and caption share a page; notes sit at its foot."""
    from publish.editions.print.layout import lay_out
    from publish.engine.boxes import descendants, page_root
    from publish.manuscript.loader import load
    from publish.render.styles import Styles

    root = x1a[0].parent.parent / "book"
    publication, diags = load(root)
    layout = lay_out(publication, Styles.for_manuscript(root), "2020-09-13T12:26:40Z", diags, whole=True)
    try:
        figures: dict[str, set[tuple[int, str]]] = {}
        notes_on_page: dict[int, list[str]] = {}
        for number, page in enumerate(layout.document.pages):  # type: ignore[attr-defined]
            figure = ""
            for item in descendants(page_root(page), placed=True):
                tag = getattr(item, "element_tag", None)
                if tag == "figure":
                    figure = item.element.get("id")
                elif tag in ("img", "figcaption") and figure:
                    figures.setdefault(figure, set()).add((number, tag))
                if type(item).__name__ == "FootnoteAreaBox":
                    notes_on_page[number] = [child.element.get("id") for child in item.children]
        assert len(figures) == 3
        for figure, placed in figures.items():
            pages = {number for number, _ in placed}
            assert len(pages) == 1 and {tag for _, tag in placed} == {"img", "figcaption"}, (figure, placed)
        # Both notes of the first text are called in its opening paragraphs, on its first page.
        with pikepdf.open(x1a[0]) as pdf:
            first_text_page = [page.label for page in pdf.pages].index("1")
        assert notes_on_page == {first_text_page: ["one-fn1", "one-fn2"]}
    finally:
        layout.close()


def test_a_tall_lead_photo_leaves_its_headline_on_the_opener(tmp_path: Path) -> None:
    """A portrait photo leading a text is set smaller: not alone on the opener, headline and caption overleaf."""
    import pypdfium2 as pdfium

    two = text("A portrait leads the second text of this book", 4, lead="photos/harbour.jpg").replace(
        'byline = "by Ada Writer"', 'byline = "by Ada Writer"\nstandfirst = "' + "A two-line standfirst. " * 4 + '"')
    root = write_manuscript(tmp_path / "book", {
        "publication.toml": THREE_TEXTS_TOML.replace('texts = ["one.md", "two.md", "three.md"]',
                                                     'texts = ["one.md", "two.md"]'),
        "feature.md": None,
        "one.md": text("The first text", 4),
        "two.md": two,
    }, photos={"photos/harbour.jpg": {"size": (1600, 2400)}})
    output = tmp_path / "out"
    run = run_publish("pdf", str(root), "-o", str(output))
    assert run.returncode == 0, run.stderr
    with pikepdf.open(output / "three-texts.pdf") as pdf:
        index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
        opener = index[pikepdf.NameTree(pdf.Root.Names.Dests)["two"][0].objgen]
    document = pdfium.PdfDocument(str(output / "three-texts.pdf"))
    words = document[opener].get_textpage().get_text_range()
    document.close()
    assert "A portrait leads" in words and "Boats in the harbour" in words and "Relations between" in words


def test_an_opener_photo_fills_the_page_and_its_bleed(x1a: tuple[Path, str]) -> None:
    """Preflight measures it at the A5 trim plus 5 mm of bleed on every side: 158 × 220 mm."""
    assert re.search(r"photos/opener\.jpg: .* at 158×220 mm", x1a[1]), x1a[1]
