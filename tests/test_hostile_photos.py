"""Hostile photos: colour profiles for other colours, 16-bit greyscale, names with line breaks, typos.

Each crashed a build (exit 1) or gave a wrong diagnostic; each now works, with one warning at the
photo's caption when the editions had to change something, or gives one diagnostic at its cause.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import (
    MINIMAL_CAPTIONS,
    MINIMAL_TEXT,
    cli,
    diagnostics_of,
    loaded_diagnostics,
    output_snapshot,
    previous_set,
    write_manuscript,
)
from PIL import Image, ImageCms

from publish.manuscript.photos import PLAIN_MODES, fitting_profile, plain, plain_copy, profile_space

STYLES = Path(__file__).resolve().parent.parent / "publish" / "styles"
CMYK_PROFILE = (STYLES / "icc" / "FOGRA39-coated.icc").read_bytes()
SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _rgb_with_cmyk_profile(path: Path) -> None:
    Image.open(path).convert("RGB").save(path, "JPEG", icc_profile=CMYK_PROFILE, dpi=(300, 300))


def _cmyk_with_rgb_profile(path: Path) -> None:
    Image.open(path).convert("CMYK").save(path, "JPEG", icc_profile=SRGB_PROFILE, dpi=(300, 300))


def _grey_16_bit(path: Path) -> Path:
    """A 16-bit greyscale PNG using the whole range (Pillow's own conversion would clip it to white)."""
    target = path.with_suffix(".png")
    wide = Image.linear_gradient("L").resize((2400, 1600)).convert("I").point(lambda v: v * 257)
    wide.convert("I;16").save(target, dpi=(300, 300))
    path.unlink()
    return target


def _manuscript(root: Path, png: bool = False) -> Path:
    files = {}
    if png:
        files = {"feature.md": MINIMAL_TEXT.replace("harbour.jpg", "harbour.png"),
                 "photos/captions.toml": MINIMAL_CAPTIONS.replace("harbour.jpg", "harbour.png")}
    return write_manuscript(root, files)


@pytest.mark.parametrize(("make", "mode", "other", "read_as"), [
    (_rgb_with_cmyk_profile, "RGB", "CMYK", "sRGB"),
    (_cmyk_with_rgb_profile, "CMYK", "RGB", "the print's output condition")])
def test_a_profile_for_other_colours_is_one_warning_at_the_caption(tmp_path: Path, make, mode: str, other: str,
                                                                  read_as: str) -> None:
    root = _manuscript(tmp_path / "m")
    make(root / "photos" / "harbour.jpg")
    (found,) = loaded_diagnostics(root)
    assert (found.path, found.line, found.column, found.severity.value) == (
        f"{root.as_posix()}/photos/captions.toml", 1, 1, "warning")
    assert found.message.startswith(f"photo 'photos/harbour.jpg': the photo is {mode}, but its colour profile (")
    assert found.message.endswith(f") is for {other}: the profile is ignored and the colours are read as {read_as}")
    assert f"the {mode} profile it was edited in" in found.hint


def test_a_profile_without_a_caption_is_placed_at_the_photo_line(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "m", {"feature.md": MINIMAL_TEXT.replace("![]", "![Boats at dawn]"),
                                            "photos/captions.toml": None})
    _rgb_with_cmyk_profile(root / "photos" / "harbour.jpg")
    (found,) = loaded_diagnostics(root)
    assert (found.path, found.line, found.column) == (f"{root.as_posix()}/feature.md", 8, 18)  # the path in ![…](…)


@pytest.mark.parametrize("make", [_rgb_with_cmyk_profile, _cmyk_with_rgb_profile, _grey_16_bit])
def test_every_reader_of_photos_takes_what_it_cannot_use_as_it_is(tmp_path: Path, make) -> None:
    """Print's preflight (X-4, X-1a, the archive's sRGB), the EPUB's screen copy, the cover and the report:
    each crashed on one of these photos; each now gets 8-bit pixels and never a profile for other colours."""
    from publish.build.report import _preview
    from publish.editions.epub.builder import screen_image
    from publish.editions.print.layout import output_condition
    from publish.editions.print.preflight import ARCHIVE, prepare
    from publish.manuscript.loader import load
    from publish.render.styles import Styles

    root = _manuscript(tmp_path / "m", png=make is _grey_16_bit)
    photo = root / "photos" / ("harbour.png" if make is _grey_16_bit else "harbour.jpg")
    make(root / "photos" / "harbour.jpg")
    publication, _ = load(root)
    styles = Styles.for_manuscript(root)
    condition = output_condition(publication, styles, None)
    for standard in ("pdf/x-4", "pdf/x-1a", ARCHIVE):
        work = tmp_path / standard.replace("/", "-")
        work.mkdir()
        derived, reports = prepare(publication, standard, condition, work, None)  # type: ignore[arg-type]
        placed = derived.get(photo.resolve(), photo)
        with Image.open(placed) as image:
            assert image.mode in PLAIN_MODES, (standard, image.mode)
            # A PDF reads CMYK pixels as DeviceCMYK whatever profile their file carries: only X-4 places them.
            if not (image.mode == "CMYK" and placed == photo):
                assert fitting_profile(image) == image.info.get("icc_profile"), standard
    data, _ = screen_image(photo, 1200, 80)
    with Image.open(io.BytesIO(data)) as screen:
        assert screen.mode in ("L", "RGB", "RGBA") and max(screen.size) == 1200
        assert profile_space(screen.info.get("icc_profile")) in (None, "RGB", "GRAY")
    assert Image.open(io.BytesIO(_preview(photo, 200))).mode in ("L", "RGB")
    copy = plain_copy(photo, tmp_path)
    assert (copy is not None) == (make is _grey_16_bit)


def test_16_bit_grey_keeps_its_tones_in_8_bits() -> None:
    wide = Image.new("I;16", (3, 1))
    for x, value in enumerate((0, 32768, 65535)):
        wide.putpixel((x, 0), value)
    assert [plain(wide).getpixel((x, 0)) for x in range(3)] == [0, 127, 255]


def test_a_16_bit_grey_photo_builds_every_edition(tmp_path: Path) -> None:
    """The whole set is replaced, and the photo is drawn (not black) on the EPUB's generated cover."""
    import zipfile

    root = _manuscript(tmp_path / "m", png=True)
    _grey_16_bit(root / "photos" / "harbour.jpg")
    output = tmp_path / "out"
    before = previous_set(output, archive=True)
    run = cli("all", str(root), "-o", str(output), "--jobs", "1")
    assert run.returncode == 0, run.stderr
    assert diagnostics_of(run.stderr) == []
    assert "16-bit grey read as 8-bit grey, in a derived copy" in run.stderr
    after = output_snapshot(output)
    assert all(after[name] != data for name, data in before.items())
    with zipfile.ZipFile(output / "a-small-feature.epub") as epub:
        cover = Image.open(io.BytesIO(epub.read("EPUB/images/cover.jpg"))).convert("L")
    top = cover.crop((0, 0, cover.width, cover.height // 3))
    assert top.getextrema()[1] - top.getextrema()[0] > 100, "the cover photo is a flat block"


def test_a_failing_build_with_a_16_bit_photo_changes_no_edition(tmp_path: Path) -> None:
    """The 16-bit photo is converted, then the layout refuses a second photo (too coarse to print):
    the editions from before stay as they were, byte for byte."""
    text = MINIMAL_TEXT.replace("harbour.jpg", "harbour.png") + "\n![](photos/small.jpg)\n"
    captions = MINIMAL_CAPTIONS.replace("harbour.jpg", "harbour.png") + (
        '\n["small.jpg"]\nalt = "A tiny photo."\nplacement = "wide"\n')
    root = write_manuscript(tmp_path / "m", {"feature.md": text, "photos/captions.toml": captions},
                            photos={"photos/small.jpg": {"size": (200, 130)}})
    _grey_16_bit(root / "photos" / "harbour.jpg")
    output = tmp_path / "out"
    before = previous_set(output)
    run = cli("pdf", str(root), "-o", str(output), "--jobs", "1")
    assert run.returncode == 2, run.stderr
    assert "photo 'photos/small.jpg' prints at" in run.stderr
    assert output_snapshot(output) == before


def test_a_photo_named_with_a_line_break_is_found(tmp_path: Path) -> None:
    """Written %0A in the text and \\n in captions.toml: both name the file, and its caption has a line."""
    text = MINIMAL_TEXT.replace("photos/harbour.jpg", "photos/har%0Abour.jpg")
    captions = MINIMAL_CAPTIONS.replace('["harbour.jpg"]', '["har\\nbour.jpg"]')
    root = write_manuscript(tmp_path / "m", {"feature.md": text, "photos/captions.toml": captions})
    (root / "photos" / "harbour.jpg").rename(root / "photos" / "har\nbour.jpg")
    assert loaded_diagnostics(root) == []
    (root / "photos" / "captions.toml").write_text(captions.replace('caption = "Boats in the harbour at dawn."\n',
                                                                   'caption = "Boats [at]{lang=123}"\n'))
    (found,) = loaded_diagnostics(root)
    assert (found.line, found.column) == (2, 23)  # lang= inside the caption's string


def test_a_missing_photo_named_with_a_line_break_is_one_line(tmp_path: Path) -> None:
    captions = MINIMAL_CAPTIONS + '\n["gone\\n.jpg"]\nalt = "Gone."\n'
    root = write_manuscript(tmp_path / "m", {"photos/captions.toml": captions})
    run = cli("pdf", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 2
    assert diagnostics_of(run.stderr) == [
        f"{root}/photos/captions.toml:6:1: error: caption for 'gone\\n.jpg': file 'gone\\n.jpg' does not exist"]


def test_a_mistyped_photo_path_is_one_diagnostic_with_the_name_meant(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "m", {"feature.md": MINIMAL_TEXT.replace("harbour.jpg", "harbor.jpg")})
    run = cli("pdf", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 2
    assert run.stderr.splitlines()[:2] == [
        f"{root}/feature.md:8:5: error: photo: file 'photos/harbor.jpg' does not exist",
        "    hint: did you mean 'photos/harbour.jpg'?"]
    assert len(diagnostics_of(run.stderr)) == 1


def test_a_misnamed_caption_entry_is_one_diagnostic(tmp_path: Path) -> None:
    """Its photo then has no alt text: that follows from the entry, and is not said again."""
    root = write_manuscript(tmp_path / "m", {
        "photos/captions.toml": MINIMAL_CAPTIONS.replace('["harbour.jpg"]', '["harbor.jpg"]')})
    found = loaded_diagnostics(root)
    assert [(d.line, d.column, d.message, d.hint) for d in found] == [
        (1, 1, "caption for 'harbor.jpg': file 'harbor.jpg' does not exist", "did you mean 'harbour.jpg'?")]


def test_a_captions_file_that_cannot_be_read_is_one_diagnostic(tmp_path: Path) -> None:
    """Every photo it describes would have no alt text: said once, by the file."""
    root = write_manuscript(tmp_path / "m", {"photos/captions.toml": MINIMAL_CAPTIONS.replace("]\n", "\n", 1)})
    found = loaded_diagnostics(root)
    assert [d.message.split(":")[0] for d in found] == ["invalid TOML"]


def test_a_photo_no_text_places_is_said_once(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "m", {"feature.md": "# A Small Feature\n\nNo photo.\n"})
    found = loaded_diagnostics(root)
    assert [d.message for d in found] == ["caption for 'harbour.jpg', but no text uses that photo"]


def test_preflight_findings_of_a_book_name_each_text_as_the_author_gave_it(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Texts laid out side by side report from worker processes: they printed absolute paths, and both
    findings at the second text (the two texts' figures had the same id)."""
    second = MINIMAL_TEXT.replace("A Small Feature", "A Second Text")
    write_manuscript(tmp_path / "m", {"second.md": second}, photos={"photos/harbour.jpg": {"size": (700, 466)}})
    monkeypatch.chdir(tmp_path)
    run = cli("pdf", "m", "-o", "out", "--jobs", "2")
    assert run.returncode == 0, run.stderr
    assert [line.split(": warning:")[0] for line in diagnostics_of(run.stderr)] == ["m/feature.md:8:5",
                                                                                    "m/second.md:8:5"]
