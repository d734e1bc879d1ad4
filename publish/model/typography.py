"""Typographer's characters the author typed plainly: quotation marks by language, no-break spaces.

Why here, in the reader: every edition is rendered from the same nodes, so the print edition, the
e-book and the archive all get the same characters.

- Quotation marks follow the language of the element they stand in: a paragraph or phrase marked
  {lang=fr} takes « » (with narrow no-break spaces) inside an English text, {lang=de} „ “, {lang=ja}
  「」. markdown-it decides which marks open and which close (placeholders, below); `quotes_for`
  picks their shape by language, the region first (de-CH, pt-PT, zh-TW), then the language.
- A number and the unit, percent sign or currency the author wrote after (or before) it with a space
  are joined by a narrow no-break space (U+202F, the thin space of SI and of French typography), so
  "−61 %" or "4.5 km" is never parted at a line end and the space is not stretched in justified text.
- A range of numbers joined by an en dash (1953–2018, pp. 10–12) is bound at its dash by a WORD
  JOINER (U+2060) after it: Unicode lets a line break after an en dash, and "2014–" at a line end
  with "2023" on the next reads as two things. The joiner is invisible, has no width and is not
  extracted from the PDFs (nor searched), so the range copies as written; machine-readable
  metadata (dc:title, XMP, MARC) takes the text without it (`catalogue_text`).
- A web or e-mail address written in the text is marked (span.url) so that it is never hyphenated:
  a hyphen put into an address changes the address a reader copies.
"""

from __future__ import annotations

import re

# markdown-it's smart quotes put these in; the reader replaces them by the language's marks.
PLACEHOLDERS = "\ue000\ue001\ue002\ue003"  # open double, close double, open single, close single
NNBSP = "\u202f"

_FRENCH = ("«\u202f", "\u202f»", "‹\u202f", "\u202f›")
QUOTES: dict[str, tuple[str, str, str, str]] = {
    "en": ("“", "”", "‘", "’"),
    "de": ("„", "“", "‚", "‘"),
    "de-ch": ("«", "»", "‹", "›"),
    "de-li": ("«", "»", "‹", "›"),
    "fr": _FRENCH,
    "fr-ch": ("«\u202f", "\u202f»", "‹\u202f", "\u202f›"),
    "es": ("«", "»", "“", "”"),
    "it": ("«", "»", "“", "”"),
    "pt": ("“", "”", "‘", "’"),  # Brazil, the likely region of "pt"
    "pt-pt": ("«", "»", "“", "”"),
    "nl": ("“", "”", "‘", "’"),
    "ru": ("«", "»", "„", "“"),
    "uk": ("«", "»", "„", "“"),
    "be": ("«", "»", "„", "“"),
    "pl": ("„", "”", "«", "»"),
    "cs": ("„", "“", "‚", "‘"),
    "sk": ("„", "“", "‚", "‘"),
    "sl": ("„", "“", "‚", "‘"),
    "hr": ("„", "”", "‘", "’"),
    "sr": ("„", "”", "’", "’"),
    "bg": ("„", "“", "’", "’"),
    "hu": ("„", "”", "»", "«"),
    "ro": ("„", "”", "«", "»"),
    "sv": ("”", "”", "’", "’"),
    "fi": ("”", "”", "’", "’"),
    "da": ("»", "«", "›", "‹"),
    "nb": ("«", "»", "‘", "’"),
    "no": ("«", "»", "‘", "’"),
    "nn": ("«", "»", "‘", "’"),
    "el": ("«", "»", "“", "”"),
    "tr": ("“", "”", "‘", "’"),
    "ar": ("«", "»", "‹", "›"),
    "fa": ("«", "»", "‹", "›"),
    "he": ("”", "”", "’", "’"),
    "ja": ("「", "」", "『", "』"),
    "zh": ("“", "”", "‘", "’"),
    "zh-tw": ("「", "」", "『", "』"),
    "zh-hk": ("「", "」", "『", "』"),
    "zh-hant": ("「", "」", "『", "』"),
    "ko": ("“", "”", "‘", "’"),
    "km": ("«", "»", "“", "”"),
    "th": ("“", "”", "‘", "’"),
    "vi": ("“", "”", "‘", "’"),
}


def quotes_for(language: str) -> tuple[str, str, str, str]:
    """The four marks (open, close, inner open, inner close) of a BCP 47 language tag."""
    parts = language.lower().split("-")
    while parts:
        found = QUOTES.get("-".join(parts))
        if found:
            return found
        parts.pop()
    return QUOTES["en"]


def set_quotes(text: str, language: str) -> str:
    """The placeholders markdown-it put in, as the language's marks."""
    if not any(p in text for p in PLACEHOLDERS):
        return text
    return text.translate(dict(zip(map(ord, PLACEHOLDERS), quotes_for(language), strict=True)))


# A number (with its sign, thousands and decimal separators), spaces, then what it counts.
_UNITS = ("%", "‰", "‱", "°C", "°F", "°", "K",
          "mm", "cm", "dm", "m", "km", "m²", "km²", "m³", "m³/s", "m/s", "km/h", "mph", "ha",
          "mg", "g", "kg", "t", "ml", "mL", "cl", "l", "L", "hl", "s", "ms", "min", "h",
          "Hz", "kHz", "MHz", "GHz", "W", "kW", "MW", "GW", "kWh", "MWh", "GWh", "V", "kV", "A", "mA",
          "Pa", "kPa", "hPa", "MPa", "bar", "dB", "ppm", "ppb", "mi", "ft", "yd", "lb", "oz", "kn",
          "kB", "MB", "GB", "TB", "px", "pt", "mol", "kcal", "cal", "J", "kJ", "MJ", "N",
          "€", "$", "£", "¥", "₹", "₩", "₫", "฿", "៛", "₽", "₺", "₪",
          "EUR", "USD", "GBP", "JPY", "CNY", "CHF", "KHR", "THB", "VND", "INR", "AUD", "CAD", "SEK",
          "NOK", "DKK", "PLN", "CZK", "HUF", "RUB", "TRY", "BRL", "MXN", "ZAR", "KRW", "SGD", "HKD", "NZD")
_CURRENCIES = ("€", "$", "£", "¥", "₹", "₩", "₫", "฿", "៛", "₽", "₺", "₪", "US$", "A$", "C$", "HK$", "S$", "NZ$",
               "EUR", "USD", "GBP", "JPY", "CNY", "CHF", "KHR", "THB", "VND", "INR", "AUD", "CAD", "SEK", "NOK",
               "DKK", "PLN", "CZK", "HUF", "RUB", "TRY", "BRL", "MXN", "ZAR", "KRW", "SGD", "HKD", "NZD")
_NUMBER = r"[+\-−±]?\d(?:[\d.,]*\d)?"
_ALTERNATION = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_AFTER = re.compile(rf"(?<![\w.,])({_NUMBER})[ \u00a0]+({_ALTERNATION})(?![\w²³/])")
_BEFORE = re.compile(
    rf"(?<![\w$])({'|'.join(re.escape(c) for c in sorted(_CURRENCIES, key=len, reverse=True))})"
    rf"[ \u00a0]+(?=[+\-−]?\d)")


def bind_units(text: str) -> str:
    """Narrow no-break spaces between numbers and the units, signs and currencies written with them."""
    if not any(c.isdigit() for c in text):
        return text
    text = _AFTER.sub(lambda m: f"{m.group(1)}{NNBSP}{m.group(2)}", text)
    return _BEFORE.sub(lambda m: f"{m.group(1)}{NNBSP}", text)


WJ = "\u2060"
# Digits, an en dash, digits: the dash of a range (not a minus, not a spaced dash between words).
_RANGE = re.compile(r"(?<=\d)\u2013(?=\d)")


def bind_ranges(text: str) -> str:
    """A word joiner after the en dash of a number range, so the range is never parted at a line end."""
    if "\u2013" not in text:
        return text
    return _RANGE.sub("\u2013" + WJ, text)


def catalogue_text(text: str) -> str:
    """A display string as catalogues and search indexes take it: without the invisible word joiners."""
    return text.replace(WJ, "")


URL_CLASS = "url"
_ADDRESS = re.compile(r"(?:\b(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]}»”’]"
                      r"|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b)")


def addresses(text: str) -> list[tuple[bool, str]]:
    """The text in pieces, each (is it a web or e-mail address, the piece)."""
    pieces: list[tuple[bool, str]] = []
    start = 0
    for match in _ADDRESS.finditer(text):
        if match.start() > start:
            pieces.append((False, text[start:match.start()]))
        pieces.append((True, match.group()))
        start = match.end()
    if start < len(text):
        pieces.append((False, text[start:]))
    return pieces or [(False, text)]
