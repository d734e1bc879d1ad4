"""Web and e-mail addresses written out in the text are links, in every edition.

A reader of the PDF or the e-book expects an address on the page to open: PDF/UA wants a link
annotation over it (with a Link structure element and a description, written in editions/archive/pdfa.py),
and an e-book an <a>. The manuscript's Markdown only links what the author marked; so addresses in
running text, captions and metadata shown in the imprint (`source`) are found here: http(s)://…,
www.…, and name@domain.tld. Punctuation that ends the sentence is left outside the link, and so is a
closing bracket the address did not open.
"""

from __future__ import annotations

import re

_ADDRESS = re.compile(
    r"(?P<url>(?<![\w@/.])(?:https?://|www\.)[^\s<>\"“”‘’«»]+)"
    r"|(?P<mail>(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-]))"
)
_TRAILING = ".,;:!?'\u2019\u201d"
_PAIRS = {")": "(", "]": "[", "}": "{"}


def _trimmed(url: str) -> str:
    """The address less what ends the sentence around it."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _PAIRS and url.count(last) > url.count(_PAIRS[last])):
            url = url[:-1]
        else:
            break
    return url


def addresses(text: str) -> list[tuple[str, str | None]]:
    """The text in runs: (run, None) for plain text, (address, href) for each address found."""
    runs: list[tuple[str, str | None]] = []
    position = 0
    for match in _ADDRESS.finditer(text):
        found = match.group()
        if match.group("url"):
            found = _trimmed(found)
            if found.rstrip("/").lower() in ("http:", "https:", "www.", "http://", "https://") or "." not in found:
                continue
            href = found if "://" in found else "https://" + found
        else:
            href = "mailto:" + found
        start = match.start()
        if start > position:
            runs.append((text[position:start], None))
        runs.append((found, href))
        position = start + len(found)
    if position < len(text):
        runs.append((text[position:], None))
    return runs
