"""Issue 16: the PDFs' text copies, searches and reads as written, by extractors we did not write.

pdfium (pypdfium2) and, where installed, poppler's pdftotext read the print and archive PDFs of the
bundled feature: its hyphenated words, letter-spaced running head, drop cap and Khmer title come back
as the words they are; every glyph of every bundled script maps to Unicode (outloud's TXT-003 and
TXT-005 on the print PDF; the archive PDFs pass every validator in tests/validators.py); addresses
written out in the text are links in both PDFs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from conftest import BUNDLED, BundledBuild, run_publish, write_manuscript
from test_more_scripts import SAMPLES
from test_scripts import LONG_KHMER

from publish.manuscript.loader import load
from publish.manuscript.markdown import plain_text
from publish.model.document import Aside, Element

SLUG = "a-small-feature"  # the minimal manuscript's publication title
THAI = "ความสัมพันธ์ระหว่างไทยกับญี่ปุ่นมีมายาวนาน และทั้งสองประเทศร่วมมือกันในด้านเศรษฐกิจ การศึกษา และวัฒนธรรม"


def pdfium_text(pdf: Path) -> str:
    document = pdfium.PdfDocument(str(pdf))
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def poppler_text(pdf: Path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def extractions(pdf: Path) -> dict[str, str]:
    found = {"pdfium": pdfium_text(pdf)}
    poppler = poppler_text(pdf)
    if poppler is not None:
        found["pdftotext"] = poppler
    return found


def as_read(text: str) -> str:
    """What a reader gets: a hyphenated word joined (pdfium marks the join U+FFFE, poppler keeps the soft
    hyphen before the line break), U+200B (a break opportunity, no character) dropped, spaces collapsed."""
    text = re.sub("\u00ad\\s*", "", text.replace("\ufffe", "").replace("\u200b", ""))
    return re.sub(r"\s+", " ", text.replace("\r\n", "\n"))


def feature_words() -> set[str]:
    publication, _ = load(BUNDLED)
    blocks = [b for b in publication.articles[0].blocks if isinstance(b, (Element, Aside))]
    return set(re.findall(r"\w+", " ".join(plain_text([b]) for b in blocks)))


@pytest.mark.parametrize("edition", ["print", "archive"])
def test_the_bundled_feature_extracts_as_written(bundled: BundledBuild, edition: str) -> None:
    pdf = bundled.pdf if edition == "print" else bundled.output / "ties-that-bind.archive.pdf"
    translations = tomllib.loads((BUNDLED / "publication.toml").read_text(encoding="utf-8"))["translations"]
    words = feature_words()
    assert {"diplomatic", "continue", "culturally", "estimated"} <= words
    for extractor, raw in extractions(pdf).items():
        assert "\u00ad" in raw or "\ufffe" in raw, f"{extractor}: no word is hyphenated, nothing is tested"
        assert not re.search("\\w\u2010\\s", raw), f"{extractor}: a hyphenation hyphen extracts as U+2010"
        text = as_read(raw)
        missing = sorted(words - set(re.findall(r"\w+", text)))
        assert not missing, f"{extractor}: words of the feature missing: {missing[:20]}"
        assert "This year marks the 65th anniversary of diplomatic ties" in text, extractor  # drop cap, hyphen
        assert not re.search(r"(^|\s)T his\b|(^|\s)T(\s|$)", text), f"{extractor}: the drop cap stands alone"
        assert "TIES THAT BIND" in text and "T I E S" not in text, extractor  # the letter-spaced running head
        for translation in translations:
            assert translation["title"] in text, (extractor, translation["lang"])  # Khmer, Japanese title
        named = {"print": "print edition", "archive": "archival edition"}[edition]  # as the imprint names it
        assert f"Anniversary edition, {named}" in text, extractor


@pytest.mark.parametrize("edition", ["print", "archive"])
def test_the_source_address_in_the_imprint_is_a_link(bundled: BundledBuild, edition: str) -> None:
    pdf = bundled.pdf if edition == "print" else bundled.output / "ties-that-bind.archive.pdf"
    source = tomllib.loads((BUNDLED / "publication.toml").read_text(encoding="utf-8"))["source"]
    address = re.search(r"https://\S+", source).group()
    with pikepdf.open(pdf) as document:
        uris = [str(annotation.A.URI) for page in document.pages for annotation in page.obj.get("/Annots", [])
                if annotation.get("/Subtype") == "/Link" and "/A" in annotation and "/URI" in annotation.A]
    assert address in uris


def test_running_heads_and_folios_are_artifacts_and_all_else_is_in_the_tree(bundled: BundledBuild) -> None:
    with pikepdf.open(bundled.output / "ties-that-bind.archive.pdf") as pdf:
        root = pdf.Root.StructTreeRoot
        reachable, stack = set(), [root]
        while stack:
            node = stack.pop()
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    reachable.add(kid.objgen)
                    stack.append(kid)
        parents = pikepdf.NumberTree(root.ParentTree)
        heads = []
        for page in pdf.pages:
            owners = parents[int(page.obj.StructParents)]
            artifact = 0
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) == "BDC" and str(operands[0]) == "/Artifact":
                    artifact += 1
                elif str(operator) in ("BDC", "BMC") and artifact:
                    artifact += 1
                    if str(operator) == "BDC" and "/ActualText" in operands[1]:
                        heads.append(str(operands[1].ActualText))
                elif str(operator) == "BDC" and "/MCID" in operands[1]:
                    assert owners[int(operands[1].MCID)].objgen in reachable  # tagged: a reader reaches it
                elif str(operator) == "EMC" and artifact:
                    artifact -= 1
    assert "TIES THAT BIND" in heads  # the recto's running head, read by no screen reader


@pytest.fixture(scope="module")
def every_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A text in every bundled script, tagged by language, with an address and an e-mail address in it."""
    folder = tmp_path_factory.mktemp("every-script")
    tagged = "\n\n".join(f"In {lang}: [{text}]{{lang={lang}}}." for lang, text in SAMPLES.items())
    root = write_manuscript(folder / "ms", {"feature.md": (
        "+++\ntitle = \"Every script\"\n+++\n\nThe first paragraph, with a page at https://example.org/page and "
        "a reader's letters to editor@example.org in running text.\n\n![](photos/harbour.jpg)\n\n"
        f"{tagged}\n\nKhmer: [{LONG_KHMER}]{{lang=km}}\n\nThai: [{THAI}]{{lang=th}}\n\n"
        "Japanese: [日本とカンボジアを結ぶ絆]{lang=ja}\n")},
        photos={"photos/harbour.jpg": {"size": (900, 600), "dpi": 150}})
    output = folder / "out"
    run = run_publish("all", str(root), "-o", str(output))
    assert run.returncode == 0, run.stderr
    return output


def test_every_glyph_of_every_script_maps_to_unicode_in_print(every_script: Path) -> None:
    """outloud's text rules on the print PDF (the archive passes all of them, tests/validators.py)."""
    import outloud

    pdf = every_script / f"{SLUG}.pdf"
    result = outloud.check(str(pdf), only={"TXT-003", "TXT-005"})
    assert result.error is None
    assert [f"{f.rule} {f.message}" for f in result.findings] == []
    text = as_read(pdfium_text(pdf))
    for sample in ("ภาษาไทย", "नमस्ते दुनिया", "தமிழ் மொழி", "日本とカンボジアを結ぶ絆"):
        assert sample in text, sample


@pytest.mark.parametrize("name", [f"{SLUG}.pdf", f"{SLUG}.archive.pdf"])
def test_addresses_in_running_text_are_links_in_both_pdfs(every_script: Path, name: str) -> None:
    with pikepdf.open(every_script / name) as document:
        links = [annotation for page in document.pages for annotation in page.obj.get("/Annots", [])
                 if annotation.get("/Subtype") == "/Link" and "/A" in annotation]
        uris = {str(annotation.A.get("/URI", "")) for annotation in links}
        assert {"https://example.org/page", "mailto:editor@example.org"} <= uris
        if name.endswith(".archive.pdf"):  # PDF/UA: each in a Link structure element, described
            assert all("/StructParent" in annotation and str(annotation.get("/Contents", "")).strip()
                       for annotation in links)
