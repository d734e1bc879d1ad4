"""Numbers as a book in a given language writes them in its labels: 3, ៣ (Khmer), ٣ (Arabic), III, Three.

The words around them ("Chapter 3", "第3章", "Translated by …") are the designer's: they live in
styles/templates/labels.html, which a manuscript may override; this module only spells numbers.
"""

from __future__ import annotations

_DIGITS = {
    "ar": "٠١٢٣٤٥٦٧٨٩",  # Arabic-Indic, as the Arabic faces draw them
    "fa": "۰۱۲۳۴۵۶۷۸۹", "ur": "۰۱۲۳۴۵۶۷۸۹", "ps": "۰۱۲۳۴۵۶۷۸۹",  # Extended Arabic-Indic
    "km": "០១២៣៤៥៦៧៨៩",  # Khmer
    "th": "๐๑๒๓๔๕๖๗๘๙", "lo": "໐໑໒໓໔໕໖໗໘໙", "my": "၀၁၂၃၄၅၆၇၈၉",
    "hi": "०१२३४५६७८९", "mr": "०१२३४५६७८९", "ne": "०१२३४५६७८९", "bn": "০১২৩৪৫৬৭৮৯",
}
_WORDS = {
    "en": ["Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven",
           "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen", "Twenty"],
}
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def _primary(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


def roman(number: int) -> str:
    out = []
    for value, letters in _ROMAN:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def numeral(number: int, language: str = "en", style: str = "decimal") -> str:
    """`number` as `style` ("decimal", "roman", "words") spells it in `language`.

    "decimal" uses the language's own digits where books in it do (Khmer, Arabic, Thai…); "words"
    falls back to roman numerals beyond twenty or in a language without a word list here.
    """
    if style == "words":
        words = _WORDS.get(_primary(language))
        if words and 0 <= number < len(words):
            return words[number]
        style = "roman"
    if style == "roman":
        return roman(number)
    digits = _DIGITS.get(_primary(language))
    return "".join(digits[int(d)] for d in str(number)) if digits else str(number)
