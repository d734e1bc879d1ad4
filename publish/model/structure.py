"""A book's structure: the kinds of text it holds (front matter, parts, chapters, back matter), for every edition.

Why one table: the loader orders texts by it, the templates style each kind by its class, the EPUB
writes its `epub:type` and DPUB-ARIA role, the archive tags its structure element, and the records
credit a foreword's author as one (MARC `aui`); all of them read the kind here, so a kind added
here is known everywhere. The vocabulary follows Pressbooks' front matter / part / chapter / back
matter types, the EPUB Structural Semantics Vocabulary and Pandoc's mapping of section classes.
"""

from __future__ import annotations

from dataclasses import dataclass

FRONT, BODY, BACK = "front", "body", "back"


@dataclass(frozen=True)
class Kind:
    """What a kind of text is, for each edition."""

    name: str  # as written in a text's front matter: kind = "foreword"
    division: str  # FRONT, BODY or BACK
    epub_type: str  # EPUB Structural Semantics Vocabulary term ("" when it has none)
    role: str  # DPUB-ARIA role ("" when it has none)
    pdf_type: str  # the archive's structure type: a custom name role-mapped to a standard one, or Part
    titled: bool = True  # its title is printed (a dedication's or epigraph's is not: it names it for readers)
    before_contents: bool = False  # set before the contents page (dedication, epigraph), as books do
    author_code: str = "aut"  # the MARC relator of its author, for the publication's records


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("dedication", FRONT, "dedication", "doc-dedication", "Dedication", titled=False, before_contents=True),
    Kind("epigraph", FRONT, "epigraph", "doc-epigraph", "Epigraph", titled=False, before_contents=True),
    Kind("foreword", FRONT, "foreword", "doc-foreword", "Foreword", author_code="aui"),
    Kind("preface", FRONT, "preface", "doc-preface", "Preface", author_code="aui"),
    Kind("introduction", FRONT, "introduction", "doc-introduction", "Introduction", author_code="aui"),
    Kind("prologue", FRONT, "prologue", "doc-prologue", "Prologue"),
    Kind("acknowledgements", FRONT, "acknowledgments", "doc-acknowledgments", "Acknowledgements"),
    Kind("part", BODY, "part", "doc-part", "Part"),
    Kind("chapter", BODY, "chapter", "doc-chapter", "Chapter"),
    Kind("appendix", BACK, "appendix", "doc-appendix", "Appendix"),
    Kind("afterword", BACK, "afterword", "doc-afterword", "Afterword", author_code="aft"),
    Kind("epilogue", BACK, "epilogue", "doc-epilogue", "Epilogue"),
    Kind("glossary", BACK, "glossary", "doc-glossary", "Glossary"),
    Kind("bibliography", BACK, "bibliography", "doc-bibliography", "Bibliography"),
    Kind("colophon", BACK, "colophon", "doc-colophon", "Colophon", author_code="aft"),
    # No term in the vocabularies for it: back matter, and nothing more specific.
    Kind("about-the-author", BACK, "", "", "AboutTheAuthor"),
)}
DEFAULT_KIND = "chapter"
# Spellings authors reach for, read as the kind they mean.
ALIASES = {"acknowledgments": "acknowledgements", "about": "about-the-author", "about-author": "about-the-author",
           "author-bio": "about-the-author", "biography": "about-the-author", "appendices": "appendix"}
DIVISIONS = (FRONT, BODY, BACK)

# The name of each kind in the book's language: the title of a text that gives none (a dedication,
# or an "Acknowledgements" page whose heading is the kind itself), for contents, e-book and outline.
NAMES: dict[str, dict[str, str]] = {
    "en": {"dedication": "Dedication", "epigraph": "Epigraph", "foreword": "Foreword", "preface": "Preface",
           "introduction": "Introduction", "prologue": "Prologue", "acknowledgements": "Acknowledgements",
           "appendix": "Appendix", "afterword": "Afterword", "epilogue": "Epilogue", "glossary": "Glossary",
           "bibliography": "Bibliography", "colophon": "Colophon", "about-the-author": "About the author"},
    "fr": {"dedication": "Dédicace", "epigraph": "Épigraphe", "foreword": "Avant-propos", "preface": "Préface",
           "introduction": "Introduction", "prologue": "Prologue", "acknowledgements": "Remerciements",
           "appendix": "Annexe", "afterword": "Postface", "epilogue": "Épilogue", "glossary": "Glossaire",
           "bibliography": "Bibliographie", "colophon": "Colophon", "about-the-author": "À propos de l’auteur"},
    "de": {"dedication": "Widmung", "epigraph": "Motto", "foreword": "Geleitwort", "preface": "Vorwort",
           "introduction": "Einleitung", "prologue": "Prolog", "acknowledgements": "Danksagung",
           "appendix": "Anhang", "afterword": "Nachwort", "epilogue": "Epilog", "glossary": "Glossar",
           "bibliography": "Literaturverzeichnis", "colophon": "Kolophon", "about-the-author": "Über den Autor"},
    "es": {"dedication": "Dedicatoria", "epigraph": "Epígrafe", "foreword": "Prólogo", "preface": "Prefacio",
           "introduction": "Introducción", "prologue": "Prólogo", "acknowledgements": "Agradecimientos",
           "appendix": "Apéndice", "afterword": "Epílogo", "epilogue": "Epílogo", "glossary": "Glosario",
           "bibliography": "Bibliografía", "colophon": "Colofón", "about-the-author": "Sobre el autor"},
    "it": {"dedication": "Dedica", "epigraph": "Epigrafe", "foreword": "Prefazione", "preface": "Premessa",
           "introduction": "Introduzione", "prologue": "Prologo", "acknowledgements": "Ringraziamenti",
           "appendix": "Appendice", "afterword": "Postfazione", "epilogue": "Epilogo", "glossary": "Glossario",
           "bibliography": "Bibliografia", "colophon": "Colophon", "about-the-author": "L’autore"},
    "pt": {"dedication": "Dedicatória", "epigraph": "Epígrafe", "foreword": "Prefácio", "preface": "Prefácio",
           "introduction": "Introdução", "prologue": "Prólogo", "acknowledgements": "Agradecimentos",
           "appendix": "Apêndice", "afterword": "Posfácio", "epilogue": "Epílogo", "glossary": "Glossário",
           "bibliography": "Bibliografia", "colophon": "Colofão", "about-the-author": "Sobre o autor"},
    "nl": {"dedication": "Opdracht", "epigraph": "Motto", "foreword": "Voorwoord", "preface": "Woord vooraf",
           "introduction": "Inleiding", "prologue": "Proloog", "acknowledgements": "Dankwoord",
           "appendix": "Bijlage", "afterword": "Nawoord", "epilogue": "Epiloog", "glossary": "Verklarende woordenlijst",
           "bibliography": "Bibliografie", "colophon": "Colofon", "about-the-author": "Over de auteur"},
    "ja": {"dedication": "献辞", "epigraph": "題辞", "foreword": "序文", "preface": "まえがき",
           "introduction": "はじめに", "prologue": "プロローグ", "acknowledgements": "謝辞",
           "appendix": "付録", "afterword": "あとがき", "epilogue": "エピローグ", "glossary": "用語集",
           "bibliography": "参考文献", "colophon": "奥付", "about-the-author": "著者について"},
    "km": {"dedication": "ការឧទ្ទិស", "epigraph": "សម្រង់ដកស្រង់", "foreword": "អារម្ភកថា", "preface": "បុព្វកថា",
           "introduction": "សេចក្តីផ្តើម", "prologue": "អារម្ភកថា", "acknowledgements": "សេចក្តីថ្លែងអំណរគុណ",
           "appendix": "ឧបសម្ព័ន្ធ", "afterword": "បច្ឆិមកថា", "epilogue": "បច្ឆិមកថា", "glossary": "សទ្ទានុក្រម",
           "bibliography": "គន្ថនិទ្ទេស", "colophon": "ព័ត៌មានបោះពុម្ព", "about-the-author": "អំពីអ្នកនិពន្ធ"},
    "ar": {"dedication": "إهداء", "epigraph": "تصدير", "foreword": "تقديم", "preface": "مقدمة",
           "introduction": "مدخل", "prologue": "استهلال", "acknowledgements": "شكر وتقدير",
           "appendix": "ملحق", "afterword": "كلمة ختامية", "epilogue": "خاتمة", "glossary": "مسرد المصطلحات",
           "bibliography": "المراجع", "colophon": "بيانات النشر", "about-the-author": "عن المؤلف"},
}


def kind_of(name: str) -> Kind:
    return KINDS.get(name) or KINDS[DEFAULT_KIND]


def normalised_kind(value: str) -> str:
    """"About the author", "about_the_author" and "About-The-Author" all name one kind."""
    name = "-".join(value.strip().lower().replace("_", " ").split())
    return ALIASES.get(name, name)


def kind_name(kind: str, language: str) -> str:
    """The kind's name in the language (its primary subtag), or "" when this table does not know the language."""
    return NAMES.get(language.replace("_", "-").split("-")[0].lower(), {}).get(kind, "")
