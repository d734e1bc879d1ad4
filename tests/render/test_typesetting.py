"""Text setting (issue 14): justified lines, hyphenation, tables, code, quotation marks, scripts.

The WeasyPrint-level tests lay out snippets with the real stylesheets of publish/styles and the
typesetting hooks of publish/engine, and read the laid-out boxes; the others read the model the
Markdown reader and the renderer make. tests/print/test_layout_quality.py measures the fixture books.
"""

from __future__ import annotations

import io
import types
from pathlib import Path

import pikepdf
import pytest
from conftest import MINIMAL_TEXT, REPO, run_publish, write_manuscript
from fontTools.ttLib import TTFont

from publish.engine import boxes, columns, justify, typesetting
from publish.manuscript.markdown import plain_text, read_markdown
from publish.model.document import Element, Text
from publish.model.typography import NNBSP, bind_units, quotes_for
from publish.render.html import place_initial
from publish.render.tables import CELL_PADDING_EM, DENSE, WIDE, table_class

STYLES = REPO / "publish" / "styles"
PROSE = ("The keepers read the gauges at dawn and at dusk, and wrote the levels into ledgers that the board "
         "still keeps in the cellar of the old pumping station, where the damp has curled their covers. "
         "Nobody has ever thought of throwing them away, although the figures have long been copied into "
         "the computers of the water authority, because a keeper's handwriting tells you things a table "
         "cannot: the night the pen shook, the morning a different hand took over, the week of the flood. ")
LONG_WORDS = ("characteristically extraordinarily incomprehensibility internationalisation "
              "responsibilities institutionalisation representativeness counterrevolutionaries "
              "electroencephalography disproportionately ") * 3


def render(body: str, css: str = "", lang: str = "en", width_mm: float = 148, height_mm: float = 210):
    """The snippet as the print edition lays it out: fonts.css, base.css, the trim, print.css, `css`."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    typesetting.install()
    fonts = FontConfiguration()
    trim = (f":root {{ --trim-width: {width_mm}mm; --trim-height: {height_mm}mm; --bleed: 0mm; }}"
            f" @page {{ size: {width_mm}mm {height_mm}mm; }}")
    sheets = [CSS(filename=str(STYLES / "fonts.css"), font_config=fonts),
              CSS(filename=str(STYLES / "base.css"), font_config=fonts),
              CSS(string=trim, font_config=fonts),
              CSS(filename=str(STYLES / "print.css"), font_config=fonts),
              CSS(string=css, font_config=fonts)]
    html = (f'<html lang="{lang}"><body><section class="article" lang="{lang}"><div class="body">{body}</div>'
            "</section></body></html>")
    return HTML(string=html, base_url=str(STYLES) + "/").render(stylesheets=sheets, font_config=fonts)


def line_boxes(document) -> list:
    return [b for page in document.pages for b in boxes.descendants(boxes.page_root(page))
            if type(b).__name__ == "LineBox"]


def texts(line) -> list:
    return [b for b in boxes.descendants(line) if type(b).__name__ == "TextBox"]


def line_text(line) -> str:
    return "".join(t.text for t in texts(line))


def spacing_ratios(document) -> list[float]:
    """For each justified line but the last of its paragraph: its word space over the natural one."""
    context = types.SimpleNamespace()
    ratios = []
    lines = line_boxes(document)
    for line, following in zip(lines, lines[1:], strict=False):
        if following.position_y <= line.position_y:  # the next line is another paragraph's, or none
            continue
        spaced = [t for t in texts(line) if justify._spaces(t.text)]
        if not spaced:
            continue
        box = spaced[-1]
        natural = justify._space_width(context, box.style) - box.style["word_spacing"]
        ratios.append((natural + box.style["word_spacing"] + box.justification_spacing) / natural)
    return ratios


def test_the_hooks_find_what_they_wrap() -> None:
    """engine/justify.py and engine/columns.py replace WeasyPrint functions by name."""
    assert justify.available() and columns.available() and columns.rules_available() and typesetting.available()


def test_word_spaces_shrink_rather_than_stretch_far() -> None:
    """The same paragraph in a narrow justified column: with shrinkable spaces, fewer loose lines."""
    body = f'<p style="width: 58mm">{PROSE * 2}</p>'
    stiff = spacing_ratios(render(body, ":root { --word-space-shrink: 0; }"))
    supple = spacing_ratios(render(body))
    assert stiff and supple
    loose = [sum(r > 2.25 for r in ratios) for ratios in (stiff, supple)]
    assert loose[1] < loose[0], f"loose lines {loose[0]} → {loose[1]}"
    assert min(supple) < 1.0 <= min(stiff), "no line took the narrower spaces"
    assert min(supple) >= 0.79, "a line shrank its spaces past --word-space-shrink (20 %)"


def _hyphen_runs(document) -> int:
    longest = run = 0
    for line in line_boxes(document):
        run = run + 1 if line_text(line).rstrip().endswith(("-", "\u2010")) else 0
        longest = max(longest, run)
    return longest


def test_no_more_than_two_hyphenated_line_ends_in_a_row() -> None:
    body = f'<p style="width: 34mm">{LONG_WORDS}</p>'
    assert _hyphen_runs(render(body, ":root { --hyphenate-limit-lines: no-limit; }")) >= 3, \
        "the text makes no ladder even without the limit: the test proves nothing"
    assert _hyphen_runs(render(body)) <= 2


@pytest.mark.parametrize(("lang", "patterns"), [("en", "en-US"), ("en-US", "en-US"), ("en-GB", "en-GB"),
                                                ("en-AU", "en-GB"), ("de", "de-DE"), ("de-CH", "de-CH"),
                                                ("pt", "pt-BR"), ("pt-PT", "pt-PT"), ("no", "nb-NO"),
                                                ("fr", "fr")])
def test_hyphenation_patterns_follow_the_language_variant(lang: str, patterns: str) -> None:
    import pyphen

    document = render(f'<p lang="{lang}">Word</p>')
    styles = {t.style["lang"] for line in line_boxes(document) for t in texts(line)}
    assert styles == {patterns}
    if lang == "en":  # the American dictionary: "in-ci-den-tal", not the British "in-cid-ent-al"
        assert pyphen.Pyphen(lang=pyphen.language_fallback(patterns)).inserted("incidental") == "in-ci-den-tal"


def test_code_is_never_hyphenated_and_its_spaces_are_not_stretched() -> None:
    words = "the keepers wrote levels into ledgers " * 3
    body = f'<p style="width: 60mm">{words}<code>read_gauge --station sten</code> {words}</p>'
    document = render(body)
    code_boxes = [(line, t) for line in line_boxes(document) for t in texts(line) if "gauge" in t.text
                  or "station" in t.text]
    assert code_boxes
    for _, box in code_boxes:
        assert box.style["hyphens"] == "none" and box.style["white_space"] == "pre-wrap"
        assert "var(" not in str(box.style["font_family"])
    for line, box in code_boxes:
        others = [t for t in texts(line) if t is not box and justify._spaces(t.text)]
        if others and others[0].justification_spacing > 0:
            assert box.justification_spacing == 0, "a space inside code was stretched"
            break
    else:
        pytest.fail("no justified line held code and stretched words")


def test_japanese_lines_are_justified_between_characters() -> None:
    text = ("子どものころ、わたしは毎年夏休みになると、祖父母の家ですごした。家は信濃川のほとりの小さな村にあって、"
            "向こう岸の町へ行くには、渡し舟に乗るしかなかった。") * 3
    document = render(f'<p style="width: 61.3mm">{text}</p>', lang="ja")
    lines = line_boxes(document)
    rights = [max(t.position_x + t.width for t in texts(line)) for line in lines[:-1]]
    left = min(t.position_x for t in texts(lines[0]))
    width = 61.3 * 96 / 25.4
    assert len(rights) >= 4
    assert all(abs(right - (left + width)) < 0.6 for right in rights), rights


def test_khmer_is_set_ragged_and_its_subheadings_bold(tmp_path: Path) -> None:
    text = "ផ្ទះរបស់យាយខ្ញុំនៅមាត់ទន្លេមេគង្គ ក្បែរកំពង់ចាម។ " * 6
    document = render(f'<h2>ទន្លេមេគង្គ</h2><p>{text}</p>', lang="km")
    paragraph = [b for page in document.pages for b in boxes.descendants(boxes.page_root(page))
                 if boxes.tag(b) == "p"][0]
    assert paragraph.style["text_align_all"] == "start"
    path = tmp_path / "km.pdf"
    document.write_pdf(path)
    weights = set()
    with pikepdf.open(path) as pdf:  # the embedded program itself: WeasyPrint names a synthetic bold "Bold" too
        for page in pdf.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                if "Noto-Sans-Khmer" in str(font.get("/BaseFont")):
                    program = font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
                    weights.add(TTFont(io.BytesIO(program))["OS/2"].usWeightClass)
    assert 700 in weights, f"the Khmer subheading is not set in the bold face (weights {weights})"


def test_right_to_left_column_rules_sit_between_the_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint.draw.border as border

    drawn: list[tuple[float, ...]] = []
    original = border.draw_rect_border
    monkeypatch.setattr(border, "draw_rect_border",
                        lambda stream, box, *args: drawn.append(box) or original(stream, box, *args))
    text = "كان الجسر يبدو لي في تلك الأيام أطول جسر في العالم. " * 30
    document = render(f'<div dir="rtl" lang="ar" style="columns: 2; column-gap: 6mm; column-rule: 1pt solid black">'
                      f"<p>{text}</p></div>", ".body { columns: 1; column-rule: none; }", width_mm=210, height_mm=297)
    document.write_pdf()
    page = boxes.page_root(document.pages[0])
    multicol = [b for b in boxes.descendants(page) if boxes.tag(b) == "div" and b.style["direction"] == "rtl"][0]
    cols = sorted(multicol.children, key=lambda c: c.position_x)
    rules = [box for box in drawn if abs(box[2] - 4 / 3) < 0.01]  # the 1pt column rule
    assert len(cols) == 2 and rules
    assert cols[0].position_x + cols[0].width < rules[0][0] < cols[1].position_x, "the rule is not in the gutter"


def test_quotation_marks_follow_the_element_language() -> None:
    source = ('He said "hello" and \'bye\', don\'t.\n\n{lang=fr}\nIl a dit "bonjour", c\'est tout.\n\n'
              '{lang=de}\nEr sagte "Hallo" und ["ciao"]{lang=it}.\n\n> {lang=ja}\n> "こんにちは"\n')
    blocks = read_markdown(source, "a", "en").blocks
    said = [plain_text(b.children) for b in blocks]  # type: ignore[union-attr]
    assert said[0] == "He said “hello” and ‘bye’, don’t."
    assert said[1] == "Il a dit «\u202fbonjour\u202f», c’est tout."
    assert said[2] == "Er sagte „Hallo“ und «ciao»."
    assert said[3] == "「こんにちは」"
    assert quotes_for("de-CH")[0] == "«" and quotes_for("pt-PT")[0] == "«" and quotes_for("xx") == quotes_for("en")


@pytest.mark.parametrize(("written", "bound"), [
    ("fell by −61 % in May", f"fell by −61{NNBSP}% in May"),
    ("4.5 km and 12 m³/s", f"4.5{NNBSP}km and 12{NNBSP}m³/s"),
    ("cost $ 5 or 20 € or EUR 30", f"cost ${NNBSP}5 or 20{NNBSP}€ or EUR{NNBSP}30"),
    ("at 38 °C", f"at 38{NNBSP}°C"),
    ("5 minutes in 1992 in Cairo", "5 minutes in 1992 in Cairo"),
    ("the 3 men", "the 3 men"),
])
def test_numbers_are_bound_to_their_units(written: str, bound: str) -> None:
    assert bind_units(written) == bound


def test_units_are_bound_in_every_edition_from_the_reader() -> None:
    blocks = read_markdown("| Change |\n|---:|\n| −61 % |\n", "a", "en").blocks
    assert f"−61{NNBSP}%" in plain_text(blocks[0].children)  # type: ignore[union-attr]


def test_a_number_range_is_never_parted_at_its_dash() -> None:
    """Unicode lets a line break after an en dash: "2014–" at a line end, "2023" on the next."""
    prose = " ".join(f"the works of {1900 + n}–{1909 + n} and pp. {n}–{n + 12}" for n in range(40))
    def ends(text: str) -> list[str]:
        document = render(f"<p>{text}</p>", "p { text-align: left; hyphens: none; }", width_mm=70)
        return [line_text(line).rstrip() for line in line_boxes(document)]
    assert any(end.endswith("–") for end in ends(prose)), "the snippet no longer puts a dash at a line end"
    bound = plain_text(read_markdown(prose, "a", "en").blocks[0].children)  # type: ignore[union-attr]
    lines = ends(bound)
    assert len(lines) > 5 and not any(end.endswith(("–", "–\u2060")) for end in lines)


def _table(columns: int, word: str) -> Element:
    cells = tuple(Element("td", (), (Text(word),)) for _ in range(columns))
    return Element("table", (), (Element("tbody", (), (Element("tr", (), cells),)),))


def test_tables_are_classed_by_the_room_their_words_need() -> None:
    assert table_class(_table(4, "2,310")) == ""
    assert table_class(_table(8, "Sluices")) == WIDE
    assert table_class(_table(14, "Sluices")) == f"{WIDE} {DENSE}"


@pytest.mark.parametrize("classes", ["", WIDE, f"{WIDE} {DENSE}"])
def test_adjacent_columns_of_figures_never_read_as_one_number(classes: str) -> None:
    """Two right-aligned columns ("Repairs", "Spent"): at least an em of the cells' type between them."""
    row = '<td class="align-right">14</td><td class="align-right">1,840</td>'
    document = render(f'<div class="{classes}"><table><tbody><tr>{row}</tr></tbody></table></div>')
    found = {t.text: t for page in document.pages for t in boxes.descendants(boxes.page_root(page))
             if type(t).__name__ == "TextBox" and t.text in ("14", "1,840")}
    repairs, spent = found["14"], found["1,840"]
    gap = spent.position_x - (repairs.position_x + repairs.width)
    assert gap >= 0.99 * spent.style["font_size"], f"{gap / spent.style['font_size']:.2f}em between the columns"


def test_the_width_estimate_counts_the_gap_the_stylesheets_set() -> None:
    """render/tables.py judges a table's width with CELL_PADDING_EM: the --table-gap of base.css, which the
    dense tables of print.css keep (in their own, smaller ems)."""
    base = (STYLES / "base.css").read_text()
    assert f"--table-gap: {CELL_PADDING_EM:g}em;" in base
    assert "calc(var(--table-gap) / 2)" in (STYLES / "print.css").read_text().split(".table-dense td")[1][:80]


def test_the_drop_cap_goes_on_the_first_real_paragraph() -> None:
    long = "At half past five on a March morning the river is louder than the wind, and the keeper reads it."
    kicker = Element("p", (("class", "kicker"),), (Text("Flood country"),))
    short = Element("p", (), (Text("Dawn."),))
    opening = Element("p", (), (Text(long),))
    placed = place_initial([kicker, short, opening], "print")
    assert placed[0] is kicker and placed[1] is short
    assert placed[2].attr("class") == "opening"
    initial = placed[2].children[0]
    assert isinstance(initial, Element) and initial.attr("class") == "initial" and initial.children[0].text == "A"
    khmer = Element("p", (), (Text("ផ្ទះរបស់យាយខ្ញុំនៅមាត់ទន្លេមេគង្គ ក្បែរកំពង់ចាម។ " * 4),))
    assert place_initial([khmer], "print") == [khmer], "a Khmer cluster set three lines deep reaches into the lines"
    epub = place_initial([kicker, short, opening], "epub")  # the e-book marks the same paragraph, not its letter
    assert epub[2].attr("class") == "opening" and epub[2].children == opening.children


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_a_table_too_wide_for_the_page_is_refused_at_its_line(tmp_path: Path) -> None:
    header = "| " + " | ".join(f"Measurement{i}" for i in range(22)) + " |\n"
    rule = "|" + "---|" * 22 + "\n"
    row = "| " + " | ".join("123,456,789" for _ in range(22)) + " |\n"
    root = write_manuscript(tmp_path / "ms", {"feature.md": MINIMAL_TEXT + "\n" + header + rule + row * 2})
    run = run_publish("pdf", str(root), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert run.returncode == 2, run.stderr
    line = MINIMAL_TEXT.count("\n") + 2
    assert f"feature.md:{line}: error: a table" in run.stderr and "does not fit" in run.stderr
    assert "split it into two tables" in run.stderr


def test_no_line_of_one_word_when_the_rest_fits_but_for_its_trailing_space() -> None:
    """WeasyPrint 70 set "har- / bour / board's returns…": the rest of the text box before the code
    fitted the line but for its trailing space, and it fell back to the first word."""
    text = ("Readers who write code may like to know that the harbour board’s returns were digitised in 2019 "
            "as a single file, <code>returns_1884-1987.csv</code>, with one row per ship.")
    document = render(f'<p style="width: 92.5mm">{text}</p>', ":root { --word-space-shrink: 0; }",
                      width_mm=230, height_mm=300)
    lines = [line_text(line).strip() for line in line_boxes(document)]
    assert lines[0].endswith("har\u2010"), lines  # the case arises only after this hyphenation
    assert all(" " in line for line in lines[:-1]), lines



def test_a_line_is_fitted_once_and_handed_out_where_each_pass_puts_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint lays a page out several times (columns, the footnote area) and splits the same text at
    the same width each time; engine/justify.py fits it once. A later pass may set that line elsewhere (the
    foot of one page, then the head of the next; another column), and the fit must land there."""
    from weasyprint.layout import inline

    typesetting.install()
    fitted = inline.split_text_box
    seen: list[tuple] = []

    def spy(context, box, width, skip, is_line_start=True):
        if width is not None and skip and not seen:
            seen.append((context, box, width, skip, is_line_start))
        return fitted(context, box, width, skip, is_line_start)

    spy.publish_justify = True  # type: ignore[attr-defined]  # installed: not wrapped again
    monkeypatch.setattr(inline, "split_text_box", spy)
    render(f'<p style="width: 58mm">{PROSE}</p>')
    assert seen, "no line was split: the test proves nothing"
    context, box, width, skip, is_line_start = seen[0]
    first = fitted(context, box, width, skip, is_line_start)
    shaped: list[str] = []
    shape = inline.split_first_line
    monkeypatch.setattr(inline, "split_first_line", lambda text, *a, **k: shaped.append(text) or shape(text, *a, **k))
    box.position_x += 40.0  # the next column
    box.position_y += 300.0  # the next page
    again = fitted(context, box, width, skip, is_line_start)
    assert not shaped, "the line was fitted again"
    assert again[1:] == first[1:] and again[0].text == first[0].text and again[0].width == first[0].width
    assert (again[0].position_x, again[0].position_y) == (box.position_x, box.position_y)
    assert again[0] is not first[0], "one box for two passes: layout moves and trims it"


def test_a_text_laid_out_again_keeps_the_lines_an_edit_did_not_touch(monkeypatch: pytest.MonkeyPatch) -> None:
    """engine/justify.reusing_fits: page composition lays a text out again after one edit; the lines of
    the paragraphs it did not touch are handed over from the earlier layout (by value: the new document
    has other boxes and styles), and the new layout is the one fitting every line anew would make,
    narrower word spaces and the lines capped one piece shorter included."""
    from weasyprint.layout import inline

    paragraphs = [f'<p style="text-align: justify">{PROSE} {n}</p>' for n in range(3)]
    edited = paragraphs[:1] + ['<p><em>An editor\'s one-line insertion.</em></p>'] + paragraphs[1:]
    page = '<div style="width: 61mm">{}</div>'

    def pdf(document: object) -> bytes:
        return document.write_pdf()  # type: ignore[attr-defined]

    expected = pdf(render(page.format("".join(edited))))
    shaped: list[str] = []
    shape = inline.split_first_line
    monkeypatch.setattr(inline, "split_first_line", lambda text, *a, **k: shaped.append(text) or shape(text, *a, **k))
    adopted = justify._adopted
    restyled: list[tuple] = []
    monkeypatch.setattr(justify, "_adopted", lambda context, box, earlier: restyled.append(earlier[1]) or
                        adopted(context, box, earlier))
    with justify.reusing_fits():
        render(page.format("".join(paragraphs)))
        first = len(shaped)
        again = pdf(render(page.format("".join(edited))))
        second = len(shaped) - first
    assert again == expected
    assert first > 0 and any(chain for chain in restyled), "no line with narrower spaces was handed over"
    assert second < first / 3, (first, second)  # the inserted line, and little else, fitted anew
    assert justify._earlier is None  # kept for the block only
