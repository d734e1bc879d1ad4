"""Small text helpers shared by the loader and the builders: slugs, sizes, writing direction."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w\s-]", re.UNICODE)
_SPACES = re.compile(r"[-\s_]+")


# Latin letters that Unicode does not decompose into a base letter and a mark: without these, "Straße"
# would become "strae" and "Łódź" "odz".
_LETTERS = str.maketrans({"ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
                          "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH",
                          "ı": "i", "ħ": "h", "Ħ": "H"})


def slugify(text: str) -> str:
    """An ASCII slug when the text is Latin, a Unicode one otherwise (file names stay readable)."""
    folded = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    ascii_only = folded.encode("ascii", "ignore").decode("ascii")
    base = ascii_only if ascii_only.strip() else unicodedata.normalize("NFC", text)
    base = _NON_WORD.sub("", base).strip().lower()
    return _SPACES.sub("-", base)[:80].strip("-")  # cut first: a slug never ends in "-"


def human_size(size: float) -> str:
    """Sizes as people read them on a summary line or in a report: 1.2 MB, 435.6 KB."""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


# Languages written right to left (ISO 639), and the scripts (ISO 15924) that are, for tags that
# name one: "az-Arab" is right to left, "ku-Latn" is not. The one place that knows; templates ask
# through Metadata.direction and the `direction`/`dir_attr` globals of render.py.
RTL_LANGUAGES = frozenset({"ar", "arc", "azb", "ckb", "dv", "fa", "he", "iw", "ji", "ks", "lrc", "mzn",
                           "nqo", "pnb", "prs", "ps", "sd", "syr", "ug", "ur", "yi"})
RTL_SCRIPTS = frozenset({"adlm", "arab", "aran", "armi", "avst", "hebr", "mand", "mend", "nbat", "nkoo",
                         "palm", "phli", "phlp", "phnx", "prti", "rohg", "samr", "sarb", "sogd", "sogo",
                         "syrc", "thaa", "yezi"})


def direction(language: str) -> str:
    """'rtl' for a BCP 47 tag written right to left, else 'ltr': the script subtag decides when given."""
    subtags = language.replace("_", "-").lower().split("-")
    script = next((s for s in subtags[1:] if len(s) == 4 and s.isalpha()), None)
    if script:
        return "rtl" if script in RTL_SCRIPTS else "ltr"
    return "rtl" if subtags[0] in RTL_LANGUAGES else "ltr"
