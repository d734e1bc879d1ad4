"""The WeasyPrint adapter (publish/engine): each shape it relies on, checked against the installed WeasyPrint.

Why: these hooks read WeasyPrint's internals. When a release changes one, the test for that hook
fails here, naming it, instead of the book silently being laid out whole (slower) or a photo's
resolution going unchecked.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from conftest import make_photo
from weasyprint import HTML

from publish.engine import actualtext, boxes, pages
from publish.engine.progress import PAGE_MAKER, page_of


def _render(html: str, base: Path | None = None):
    return HTML(string=html, base_url=str(base) + "/" if base else None).render()


def test_page_hook_targets_exist() -> None:
    """engine/pages.py wraps the page maker and the margin-box maker and reads running strings."""
    import weasyprint.layout as layout
    from weasyprint.layout import LayoutContext

    assert callable(layout.make_all_pages), "weasyprint.layout.make_all_pages is gone"
    assert callable(layout.make_margin_boxes), "weasyprint.layout.make_margin_boxes is gone"
    assert callable(LayoutContext.get_string_or_element_for), "LayoutContext.get_string_or_element_for is gone"
    assert pages.available()


def test_page_hook_reads_the_page_counter_and_the_laid_out_pages() -> None:
    """The hook sees every laid-out page and reads the page counter from the page maker's state."""
    seen: list[tuple[int, int]] = []

    def hook(context, page, state):  # noqa: ANN001, ANN202 - WeasyPrint's own objects
        seen.append((context.current_page, pages._counter(context, context.current_page - 1)))
        assert len(context.publish_pages) == 3, "make_all_pages' pages are not kept on the context"
        return state

    html = ('<style>@page { size: 100mm 100mm } @page fresh { counter-reset: page 7 }'
            ' div { break-after: page } .two { page: fresh }</style>'
            '<div>one</div><div class="two">two</div><div>three</div>')
    with pages.hooked(hook):
        _render(html)
    assert [number for number, _ in seen] == [1, 2, 3]
    assert [counter for _, counter in seen] == [1, 7, 8], "page_maker[i + 1][3][1]['page'] moved"


def test_box_walker_sees_text_images_and_absolutely_placed_boxes(tmp_path: Path) -> None:
    make_photo(tmp_path / "p.jpg", size=(600, 400))
    document = _render('<style>@page { size: 100mm 100mm } img { width: 60px; height: 40px }</style>'
                       '<p id="a">Some text</p><figure id="f"><img src="p.jpg" alt=""></figure>'
                       '<figure id="g" style="position: absolute; top: 0"><img src="p.jpg" alt=""></figure>',
                       tmp_path)
    page = document.pages[0]
    root = boxes.page_root(page)
    assert type(root).__name__ == "PageBox", "Page._page_box no longer holds the page box"
    assert any(boxes.tag(box) == "p" for box in boxes.descendants(root))
    flow = list(boxes.reading_flow(page))
    assert (("a",), "Some text") in flow
    placed = {image.figure_id: image for image in boxes.placed_images(page, {"f", "g"})}
    assert set(placed) == {"f", "g"}, "absolutely placed figures (AbsolutePlaceholder._box) are not reached"
    assert placed["f"].pixels == (600, 400) and placed["f"].box == (60.0, 40.0)
    assert placed["f"].fit == "fill"


def test_boxes_outside_the_reading_flow_keep_their_names() -> None:
    import weasyprint.formatting_structure.boxes as weasy_boxes

    for name in boxes.OUTSIDE_FLOW:
        assert hasattr(weasy_boxes, name), f"WeasyPrint has no {name} box any more"
    assert hasattr(weasy_boxes, "ReplacedBox")


def test_marked_pieces_that_set_page_state_are_found() -> None:
    document = _render('<style>@page { size: 100mm 100mm } h1 { string-set: head content() }</style>'
                       '<section data-m="0"><p>plain</p></section><section data-m="1"><h1>Title</h1></section>')
    assert boxes.marked_state_setters(document.pages, "data-m") == {1}


def test_actual_text_patch_targets_exist() -> None:
    import weasyprint.draw.text as weasy_text
    import weasyprint.pdf.tags as weasy_tags

    assert callable(weasy_text.draw_first_line), "weasyprint.draw.text.draw_first_line is gone"
    assert callable(weasy_tags._build_box_tree), "weasyprint.pdf.tags._build_box_tree is gone"
    with actualtext.actual_text():
        assert weasy_text.draw_first_line is not actualtext.actual_text  # patched inside the block


def test_layout_progress_is_logged_by_the_page_maker_with_the_page_number() -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("weasyprint.progress")
    handler, saved = Keep(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        _render('<style>@page { size: 100mm 100mm } div { break-after: page }</style><div>1</div><div>2</div>')
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved)
    assert [page_of(r) for r in records if page_of(r) is not None] == [1, 2], \
        f"no progress record from {PAGE_MAKER} with the page number as its argument"


@pytest.mark.parametrize("func, args", [("make_all_pages", (3,)), ("make_all_pages", ("3",)), ("draw", (3,))])
def test_progress_records_are_read_as_data(func: str, args: tuple) -> None:
    record = logging.LogRecord("weasyprint.progress", logging.INFO, "page.py", 1, "Page %s", args, None, func)
    assert page_of(record) == (3 if func == PAGE_MAKER and isinstance(args[0], int) else None)


def _note_page_html(columns: bool) -> str:
    notes = "".join(f' word<span class="n">Note {i} says a little more than the call, over a line or two of '
                    f'the footnote area {"and then some " * (i % 3)}.</span>' for i in range(24))
    body = ("Text that runs on for a while before and between the calls. " * 30 + notes) * 2
    return ('<style>@page { size: 105mm 148mm; margin: 10mm } .n { float: footnote }'
            f' .b {{ {"column-width: 40mm" if columns else ""} }}</style><div class="b"><p>{body}</p></div>')


@pytest.mark.slow  # lays out two 24-note documents twice: 7 s each
@pytest.mark.parametrize("columns", [True, False])
def test_footnote_area_is_measured_once_per_set_of_notes_with_weasyprint_s_own_result(columns: bool) -> None:
    """engine/columns.py replaces LayoutContext._update_footnote_area only over the source it copies,
    and lays out exactly what WeasyPrint's own method lays out: same pages, same notes on each."""
    from weasyprint.layout import LayoutContext

    from publish.engine import columns

    original = getattr(LayoutContext._update_footnote_area, "publish_original", LayoutContext._update_footnote_area)
    assert columns.footnotes_replaceable(), "LayoutContext._update_footnote_area changed: update engine/columns.py"
    html = _note_page_html(columns)
    LayoutContext._update_footnote_area, saved = original, LayoutContext._update_footnote_area
    try:
        theirs = _render(html).write_pdf()
    finally:
        LayoutContext._update_footnote_area = saved
    assert columns.install_footnotes()
    assert LayoutContext._update_footnote_area is not original
    ours = _render(html).write_pdf()
    assert ours == theirs


@pytest.mark.slow  # lays out a 24-note document in columns twice: 7 s
def test_notes_taken_off_the_columns_are_measured_once_when_all_are_off() -> None:
    """engine/columns.py: when WeasyPrint takes the columns' content off a page to lay it out again, the
    notes left are measured once, when the removal returns, not after each note taken off: the same
    pages, and fewer layouts of the footnote area."""
    import weasyprint.layout.block as block
    from weasyprint.formatting_structure import boxes

    from publish.engine import columns

    assert columns.install_footnotes()
    wrapped = block.remove_placeholders
    assert getattr(wrapped, "publish_unlaying", False), "remove_placeholders changed: update engine/columns.py"
    html = _note_page_html(True)
    layout = block.block_level_layout
    measured: list[int] = []

    def counted(context: object, box: object, *args: object, **kwargs: object) -> object:
        if isinstance(box, boxes.FootnoteAreaBox):
            measured.append(len(box.children))
        return layout(context, box, *args, **kwargs)

    block.block_level_layout = counted
    try:
        block.remove_placeholders = wrapped.publish_original  # type: ignore[attr-defined]
        one_by_one, before = _render(html).write_pdf(), len(measured)
        block.remove_placeholders = wrapped
        at_once = _render(html).write_pdf()
    finally:
        block.block_level_layout, block.remove_placeholders = layout, wrapped
    assert at_once == one_by_one
    assert len(measured) - before < 0.8 * before, (before, len(measured) - before)


def test_the_quick_import_loads_the_libraries_an_ordinary_import_loads() -> None:
    """engine/__init__.py imports WeasyPrint without ctypes' library search; it must not lose a library
    (HarfBuzz-Vector changes colour glyphs' bytes; HarfBuzz-Subset would not, fonts are cut by fontTools
    either way, but the process keeps what an ordinary import loads), and it spares the ~50 search processes."""
    import subprocess
    import sys

    probe = ("import subprocess, sys\ncalls = []\nreal = subprocess.Popen.__init__\n"
             "def counted(self, *a, **k):\n    calls.append(a[0])\n    return real(self, *a, **k)\n"
             "subprocess.Popen.__init__ = counted\n{how}\nfrom weasyprint.text import ffi\n"
             "print([n for n in ('harfbuzz_subset', 'harfbuzz_vector') if getattr(ffi, n) is not None], len(calls))")
    found = {}
    for how in ("import weasyprint", "import publish.engine"):
        done = subprocess.run([sys.executable, "-c", probe.format(how=how)], capture_output=True, text=True,
                              check=True)
        found[how] = done.stdout.split("]")
    assert found["import publish.engine"][0] == found["import weasyprint"][0]
    assert int(found["import publish.engine"][1]) < int(found["import weasyprint"][1])


def test_font_configuration_hooks_exist() -> None:
    """engine/fonts.py: FontConfiguration keeps its FcConfig in `_config` and loads it with
    FcInitLoadConfigAndFonts (which reads FONTCONFIG_FILE); fonts are cut by Font.subset (with the
    font's file_content, index, missing and family), and pdf/fonts.py opens fonts through its
    module-level TTFont."""
    import weasyprint.pdf.fonts as weasy_pdf_fonts
    from weasyprint.text.fonts import FontConfiguration

    from publish.engine import fonts

    assert weasy_pdf_fonts.Font.subset is fonts._subset_font
    assert weasy_pdf_fonts.TTFont.keywords == {"recalcTimestamp": False}
    configuration = fonts.font_configuration()
    assert isinstance(configuration, FontConfiguration) and hasattr(configuration, "_config")
    assert fonts.configuration_files(configuration) == [str(fonts.CONFIG_FILE)]


def test_a_forked_worker_leaves_its_parents_font_files() -> None:
    """engine/fonts.py: WeasyPrint keeps a stylesheet's @font-face files in FontConfiguration._folder and
    removes it when the configuration is collected; a forked worker dropping its copy must not remove
    the parent's (the front matter of a book then found empty faces)."""
    import gc

    from weasyprint import CSS

    from publish.engine import fonts

    font = Path(__file__).resolve().parents[2] / "publish" / "styles" / "fonts" / "NotoSansMono-Regular.ttf"
    configuration = fonts.font_configuration()
    CSS(string=f'@font-face {{ font-family: "Probe"; src: url("{font.as_uri()}") }}', font_config=configuration)
    folder = configuration._folder
    assert folder is not None and any(Path(folder).iterdir()), "FontConfiguration no longer keeps _folder"
    pid = os.fork()
    if pid == 0:  # the worker: drops its copy, as book/texts.py's _start does
        del configuration
        gc.collect()
        os._exit(0)
    os.waitpid(pid, 0)
    assert any(Path(folder).iterdir()), "a forked child removed its parent's font files"
