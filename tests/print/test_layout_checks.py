"""Each detector of publish.checks.layout on a tiny PDF that has the defect, and on a clean twin.

The PDFs are laid out by WeasyPrint from a few lines of HTML, so each test fails if its detector
misses the defect or sees one where there is none.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.checks.layout import Thresholds, check_pdf

BASE = """
@page { size: 120mm 160mm; margin: 15mm; @bottom-center { content: counter(page); font-size: 7pt; } }
body { font-family: "DejaVu Serif", serif; font-size: 10pt; line-height: 14pt; margin: 0; }
"""


def pdf_of(tmp_path: Path, body: str, css: str = "", name: str = "t") -> Path:
    from weasyprint import HTML

    path = tmp_path / f"{name}.pdf"
    html = f"<html lang='en'><head><style>{BASE}{css}</style></head><body>{body}</body></html>"
    HTML(string=html).write_pdf(path)
    return path


def kinds(path: Path, *which: str, **limits) -> int:
    report = check_pdf(path, Thresholds(**limits))
    return len(report.of(*which))


PARA = ("The keepers read the river by its colour, its noise and the things it carries down from the "
        "hills after rain, and they write what they see in a book that is older than any of them. ")


def test_text_over_text(tmp_path):
    overlapping = pdf_of(tmp_path, f"<p>{PARA}</p><p style='margin-top:-20pt'>{PARA}</p>", name="bad")
    apart = pdf_of(tmp_path, f"<p>{PARA}</p><p>{PARA}</p>", name="good")
    assert kinds(overlapping, "text-over-text") >= 1
    assert kinds(apart, "text-over-text") == 0


def test_text_over_rule(tmp_path):
    rule = "<div style='border-top: 0.6pt solid #888; margin: {m} 0 0'></div>"
    on_text = pdf_of(tmp_path, f"<p style='margin:0'>{PARA}</p>" + rule.format(m="-18pt") + f"<p>{PARA}</p>",
                     name="bad")
    between = pdf_of(tmp_path, f"<p>{PARA}</p>" + rule.format(m="6pt") + f"<p>{PARA}</p>", name="good")
    assert kinds(on_text, "text-over-rule") >= 1
    assert kinds(between, "text-over-rule") == 0


def test_own_decoration_is_not_a_rule(tmp_path):
    struck = pdf_of(tmp_path, f"<p>{PARA} <del>struck words</del> and <u>underlined ones</u>.</p>")
    assert kinds(struck, "text-over-rule") == 0


def test_text_over_box(tmp_path):
    box = "<div style='background:#ddd; height: 30pt; margin-top: {m}'>{inner}</div>"
    crossing = pdf_of(tmp_path, f"<p>{PARA}</p>" + box.format(m="-20pt", inner=""), name="bad")
    on_its_own = pdf_of(tmp_path, f"<p>{PARA}</p>" + box.format(m="0", inner="A label on its band."),
                        name="good")
    assert kinds(crossing, "text-over-box") >= 1
    assert kinds(on_its_own, "text-over-box") == 0


def test_safe_zone(tmp_path):
    near = pdf_of(tmp_path, f"<p>{PARA}</p>", "@page { margin: 1.5mm; @bottom-center { content: none } }", name="bad")
    inside = pdf_of(tmp_path, f"<p>{PARA}</p>", name="good")
    assert kinds(near, "safe-zone") >= 1
    assert kinds(inside, "safe-zone") == 0
    assert kinds(near, "safe-zone", safe_zone_mm=1.0) == 0


def test_broken_word(tmp_path):
    narrow = ("<div style='width: 11.5mm; overflow-wrap: anywhere; font-family: sans-serif'>{}</div>"
              "<p>The sluices and the quays are new.</p>")
    cut = pdf_of(tmp_path, narrow.format("Sluices"), name="bad")
    whole = pdf_of(tmp_path, narrow.format("Sluice gates"), name="good")
    assert kinds(cut, "broken-word") >= 1
    assert kinds(whole, "broken-word") == 0


def test_scripts_and_urls_break_without_hyphens(tmp_path):
    body = ("<div style='width: 30mm; overflow-wrap: anywhere'>"
            "<p lang='ja'>わたしは毎年夏休みになると祖父母の家ですごした。</p>"
            "<p>https://example.org/archive/occurrence/books/transcript.html</p></div>")
    assert kinds(pdf_of(tmp_path, body), "broken-word") == 0


def test_split_unit(tmp_path):
    cell = "<div style='width: {w}; font-family: sans-serif'>−61 %</div>"
    assert kinds(pdf_of(tmp_path, cell.format(w="6mm"), name="bad"), "split-unit") >= 1
    assert kinds(pdf_of(tmp_path, cell.format(w="30mm"), name="good"), "split-unit") == 0


def test_ladder(tmp_path):
    three = pdf_of(tmp_path, "<p>north-<br>south-<br>east-<br>west</p>", name="bad")
    two = pdf_of(tmp_path, "<p>north-<br>south-<br>east<br>west-<br>end</p>", name="good")
    assert kinds(three, "ladder") == 1
    assert kinds(two, "ladder") == 0
    assert kinds(three, "ladder", ladder_max=3) == 0


def _justified(words: str, width: str) -> str:
    return f"<div style='width:{width}; text-align: justify'>" + "".join(f"<p>{words}</p>" for _ in range(6)) + "</div>"


def test_loose_lines(tmp_path):
    long_words = ("Incomprehensibilities notwithstanding, administrative responsibilities characteristically "
                  "overwhelmed interdepartmental communications. ") * 3
    loose = pdf_of(tmp_path, _justified(long_words, "65mm"), "p { hyphens: manual; }", name="bad")
    tight = pdf_of(tmp_path, _justified(PARA * 2, "90mm"), "p { hyphens: auto; }", name="good")
    bad, good = check_pdf(loose), check_pdf(tight)
    assert bad.justified_lines >= 5 and bad.loose_share > 0.05
    assert good.justified_lines >= 5 and good.loose_share <= 0.05


def test_sparse_page(tmp_path):
    full = "".join(f"<p>{PARA}</p>" for _ in range(7))
    short = "<p style='break-after: page'>" + PARA + "</p>"
    sparse = pdf_of(tmp_path, full + short + full + full, "p { text-align: justify; margin: 0 }", name="bad")
    dense = pdf_of(tmp_path, full + full + full, "p { text-align: justify; margin: 0 }", name="good")
    assert kinds(sparse, "sparse-page") == 1
    assert kinds(dense, "sparse-page") == 0


def _portrait(tmp_path: Path) -> str:
    from PIL import Image

    path = tmp_path / "portrait.png"
    Image.new("RGB", (300, 500), (90, 120, 160)).save(path)
    return path.as_uri()


def _opening(tmp_path: Path, photo_first: bool, heading_only: bool = True, name: str = "t") -> Path:
    """A text's opening page, its headline alone when `heading_only`, then a page of two columns whose
    first starts with a heading and a tall photo (`photo_first`) or with text."""
    full = "".join(f"<p>{PARA}</p>" for _ in range(8))
    headline = "<h1 style='font-size: 26pt; line-height: 30pt; margin: 0'>The portrait</h1>"
    opening = headline + ("" if heading_only else full[:len(full) // 2])
    photo = f"<h2>The work</h2><img src='{_portrait(tmp_path)}' style='display: block; width: 100%'>"
    body = (photo + full) if photo_first else (full + photo)
    return pdf_of(tmp_path, f"<section style='break-after: page'>{opening}</section>"
                  f"<div style='columns: 2; column-gap: 5mm'>{body}</div>{full}",
                  "p { margin: 0; text-align: justify } h2 { font-size: 10pt; margin: 0 }", name=name)


def test_lone_heading(tmp_path):
    """A headline alone on its page, because the photo under it moved on with the text (a catalogue's
    entry opening with a tall portrait): flagged; a headline with text under it, or a page of text
    after it, is not."""
    alone = _opening(tmp_path, photo_first=True, name="bad")
    found = check_pdf(alone).of("lone-heading")
    assert [(f.page_index, f.page_label) for f in found] == [(0, "1")]
    assert found[0].value > 0.7 and "portrait" in found[0].excerpt
    assert kinds(_opening(tmp_path, photo_first=False, name="text-after"), "lone-heading") == 0
    assert kinds(_opening(tmp_path, photo_first=True, heading_only=False, name="with-text"), "lone-heading") == 0


LINE = "<span>aaa bbb ccc ddd eee fff ggg hhh</span><br>"


def _paragraph(lines: int) -> str:
    return "<p>" + LINE * (lines - 1) + "end</p>"


PAGED = """
@page { size: 100mm 80mm; margin: 10mm; @bottom-center { content: counter(page); font-size: 7pt; } }
p { margin: 0; text-align: justify; text-align-last: justify; font-size: 10pt; line-height: 15pt; }
body { line-height: 15pt; }
"""


def _page_of_lines() -> int:
    return int((80 - 20) / 25.4 * 72 // 15)   # lines of 15 pt in a 60 mm tall page area


def test_orphan(tmp_path):
    n = _page_of_lines()
    body = _paragraph(n - 1) + _paragraph(5) + _paragraph(4)
    loose = pdf_of(tmp_path, body, PAGED + "p { orphans: 1; widows: 1; }", name="bad")
    kept = pdf_of(tmp_path, body, PAGED + "p { orphans: 2; widows: 2; }", name="good")
    assert kinds(loose, "orphan") == 1
    assert kinds(kept, "orphan", "widow") == 0


def test_widow(tmp_path):
    n = _page_of_lines()
    body = _paragraph(n + 1) + _paragraph(4)
    loose = pdf_of(tmp_path, body, PAGED + "p { orphans: 1; widows: 1; }", name="bad")
    kept = pdf_of(tmp_path, body, PAGED + "p { orphans: 2; widows: 2; }", name="good")
    assert kinds(loose, "widow") == 1
    assert kinds(kept, "orphan", "widow") == 0


def test_stray_column_rule(tmp_path):
    columns = "<div style='columns: 2; column-gap: 6mm; column-rule: 0.5pt solid #999; {extra}'>{text}</div>"
    text = "".join(f"<p>{PARA}</p>" for _ in range(4))
    inside = pdf_of(tmp_path, columns.format(extra="", text=text), name="good")
    assert kinds(inside, "stray-rule") == 0
    lonely = pdf_of(tmp_path, "<div style='border-left: 0.5pt solid #999; height: 80mm; width: 0; float: left'>"
                    f"</div><div style='margin-left: 4mm'>{text}</div>", name="bad")
    assert kinds(lonely, "stray-rule") == 1


def test_finding_carries_page_label_and_excerpt(tmp_path):
    path = pdf_of(tmp_path, f"<p>{PARA}</p>", "@page { margin: 1mm; }")
    finding = check_pdf(path).of("safe-zone")[0]
    assert finding.page_index == 0 and finding.page_label == "1"
    assert finding.unit == "mm from trim" and finding.value < 3
    assert "keepers" in finding.excerpt


@pytest.mark.parametrize("kind", ["text-over-text", "safe-zone", "broken-word", "ladder", "sparse-page",
                                  "lone-heading"])
def test_clean_page_has_none(tmp_path, kind):
    assert kinds(pdf_of(tmp_path, "".join(f"<p>{PARA}</p>" for _ in range(3))), kind) == 0
