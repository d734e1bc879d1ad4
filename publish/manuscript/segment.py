"""Line-break opportunities for scripts written without spaces between words (Khmer, Lao, Myanmar, Thai).

Neither WeasyPrint (Pango) nor EPUB reading systems can be relied on to find word boundaries in Khmer:
without help a Khmer paragraph is one unbreakable "word" that overflows the measure. ICU's line
break iterator finds the boundaries with its dictionaries; we mark each one inside a run of such
a script with U+200B ZERO WIDTH SPACE, which is how Khmer writers mark word boundaries themselves
and which every layout engine treats as a break opportunity. It is applied once to the model, so
the print and the e-book editions break at the same places. Boundaries are found by script, not by
the `lang` tag, so untagged Khmer breaks as well; a break never falls inside a grapheme cluster.
Japanese needs no marks: its line breaking (kinsoku) is the layout engine's UAX #14 rules.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from icu4py.breakers import CharacterBreaker, LineBreaker

from publish.model.document import Article, Aside, Element, Figure, FigureGroup, Node, Photo, Publication, Text

ZWSP = "\u200b"
# Scripts written without spaces, segmented by ICU's dictionary break engines.
_DICTIONARY_SCRIPTS = (
    (0x0E00, 0x0E7F, "th"),  # Thai
    (0x0E80, 0x0EFF, "lo"),  # Lao
    (0x1000, 0x109F, "my"),  # Myanmar
    (0x1780, 0x17FF, "km"),  # Khmer
    (0x19E0, 0x19FF, "km"),  # Khmer Symbols
)


def _script(char: str) -> str | None:
    code = ord(char)
    for low, high, locale in _DICTIONARY_SCRIPTS:
        if low <= code <= high:
            return locale
    return None


@lru_cache(maxsize=1)
def _dictionary_chars() -> re.Pattern[str]:
    return re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high, _ in _DICTIONARY_SCRIPTS) + "]")


def needs_segmenting(text: str) -> bool:
    """One regular-expression scan: a book's worth of Latin text is checked in milliseconds."""
    return _dictionary_chars().search(text) is not None


def _boundaries(breaker_type: type, text: str, locale: str) -> list[int]:
    """Offsets (in code points) where ICU's iterator puts a boundary, the ends excluded."""
    offsets, position = [], 0
    for piece in breaker_type(text, locale):
        position += len(piece)
        offsets.append(position)
    return offsets[:-1]


@lru_cache(maxsize=4096)
def segment(text: str) -> str:
    """The text with U+200B at each word boundary inside runs of a script written without spaces."""
    if not needs_segmenting(text):
        return text
    locale = next(s for s in map(_script, text) if s)
    clusters = set(_boundaries(CharacterBreaker, text, locale))
    out: list[str] = []
    previous = 0
    for offset in _boundaries(LineBreaker, text, locale):
        before, after = text[offset - 1], text[offset]
        if (offset in clusters and _script(before) and _script(after)
                and ZWSP not in (before, after)):
            out.append(text[previous:offset])
            out.append(ZWSP)
            previous = offset
    out.append(text[previous:])
    return "".join(out)


def segment_nodes(nodes: tuple[Node, ...]) -> tuple[Node, ...]:
    return tuple(_segment_node(node) for node in nodes)


def _segment_node(node: Node) -> Node:
    if isinstance(node, Text):
        segmented = segment(node.text)
        return node if segmented == node.text else Text(segmented)
    if isinstance(node, Element):
        return replace(node, children=segment_nodes(node.children))
    if isinstance(node, Aside):
        return replace(node, children=segment_nodes(node.children))
    if isinstance(node, Figure):
        return replace(node, photo=_segment_photo(node.photo))
    if isinstance(node, FigureGroup):
        return replace(node, caption=segment_nodes(node.caption),
                       figures=tuple(replace(f, photo=_segment_photo(f.photo)) for f in node.figures))
    return node


def _segment_photo(photo: Photo) -> Photo:
    return replace(photo, caption_nodes=segment_nodes(photo.caption_nodes), credit=segment(photo.credit))


def _segment_article(article: Article) -> Article:
    return replace(
        article,
        title=segment(article.title), subtitle=segment(article.subtitle),
        standfirst=segment(article.standfirst), byline=segment(article.byline),
        blocks=segment_nodes(article.blocks),
        footnotes=tuple(replace(n, children=segment_nodes(n.children)) for n in article.footnotes),
    )


def segment_publication(publication: Publication) -> Publication:
    """Every displayed text of the manuscript, with break opportunities marked.

    Metadata fields stay as written (they become catalogue records, where an invisible character
    would only hinder search), except the translated titles, which are only ever displayed.
    """
    meta = publication.metadata
    translations = tuple(replace(t, title=segment(t.title), subtitle=segment(t.subtitle),
                                 standfirst=segment(t.standfirst)) for t in meta.translations)
    return replace(
        publication,
        metadata=replace(meta, translations=translations),
        articles=tuple(_segment_article(a) for a in publication.articles),
        photos=tuple(_segment_photo(p) for p in publication.photos),
    )

