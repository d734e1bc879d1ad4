"""Who made the publication: its own contributors and each text's, merged person by person with their roles.

Why one place: the title page, the imprint, the EPUB's package metadata, the archive's XMP and the
deposit's Dublin Core, MARC and ONIX records all credit the same people in the same order and
roles. A text's author is credited by what the text is: the author of an anthology's chapter is an
author (MARC `aut`), the author of its foreword the author of an introduction (`aui`), of its
afterword `aft` (model/structure.py). A person named twice (the editor who also wrote the
introduction) is one person with two roles.
"""

from __future__ import annotations

from dataclasses import dataclass

from publish.model.document import Article, Contributor, Publication
from publish.model.structure import kind_of

# MARC relator terms (https://id.loc.gov/vocabulary/relators), for $e beside the code in $4.
RELATOR_TERMS = {
    "aut": "author", "edt": "editor", "trl": "translator", "pht": "photographer", "ill": "illustrator",
    "dsr": "designer", "ctb": "contributor", "pbl": "publisher", "aui": "author of introduction, etc.",
    "aft": "author of afterword, colophon, etc.",
}
# ONIX 3.0 contributor role codes (code list 17); the author of a front or back matter text by its kind.
ONIX_ROLES = {"aut": "A01", "edt": "B01", "pht": "A13", "trl": "B06", "ill": "A12", "dsr": "A36",
              "ctb": "Z99", "pbl": "Z99", "aui": "A24", "aft": "A19"}
ONIX_BY_KIND = {"foreword": "A23", "preface": "A15", "introduction": "A24", "prologue": "A24",
                "afterword": "A19", "epilogue": "A19", "colophon": "A19"}


@dataclass(frozen=True)
class Role:
    code: str  # MARC relator code
    kind: str = ""  # the kind of text it was played in ("foreword"), or "" for the whole publication

    @property
    def term(self) -> str:
        return RELATOR_TERMS.get(self.code, "contributor")

    @property
    def onix(self) -> str:
        return ONIX_BY_KIND.get(self.kind, ONIX_ROLES.get(self.code, "Z99")) if self.code in ("aui", "aft") \
            else ONIX_ROLES.get(self.code, "Z99")

    @property
    def group(self) -> str:
        """How the imprint groups it: the MARC term, or the kind of text for a foreword's author."""
        return self.kind if self.code in ("aui", "aft") and self.kind else self.term


@dataclass(frozen=True)
class Person:
    name: str
    roles: tuple[Role, ...]
    texts: tuple[str, ...] = ()  # ids of the texts crediting them; () when only the publication does

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(role.code for role in self.roles))


def text_role(article: Article, contributor: Contributor) -> Role:
    """A text's contributor as the publication credits them: a foreword's author is its author of introduction."""
    kind = kind_of(article.kind)
    if contributor.role == "author" and kind.author_code != "aut":
        return Role(kind.author_code, article.kind)
    return Role(contributor.marc_code, article.kind if kind.division != "body" else "")


def people(publication: Publication) -> tuple[Person, ...]:
    """Everyone credited: the publication's contributors in their order, then each text's in reading order."""
    found: dict[str, tuple[list[Role], list[str]]] = {}
    for contributor in publication.metadata.contributors:
        roles, _ = found.setdefault(contributor.name, ([], []))
        role = Role(contributor.marc_code)
        if role not in roles:
            roles.append(role)
    for article in publication.articles:
        for contributor in article.contributors:
            roles, texts = found.setdefault(contributor.name, ([], []))
            role = text_role(article, contributor)
            if role not in roles and not any(r.code == role.code and not r.kind for r in roles):
                roles.append(role)
            if article.id not in texts:
                texts.append(article.id)
    return tuple(Person(name, tuple(roles), tuple(texts)) for name, (roles, texts) in found.items())


def creators(publication: Publication) -> tuple[tuple[str, ...], str]:
    """Whom the cover and the title page credit, and as what: the authors of the publication, or its
    editors ('editor'), or nobody; never the first text's byline."""
    meta = publication.metadata
    if meta.authors:
        return meta.authors, "author"
    editors = meta.names("editor")
    return (editors, "editor") if editors else ((), "")


def groups(publication: Publication) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The imprint's lines: each role (author, editor, foreword…) with everyone who played it, in order."""
    order = ("author", "editor", "foreword", "preface", "introduction", "prologue", "translator",
             "photographer", "illustrator", "designer", "afterword", "epilogue", "colophon", "contributor",
             "publisher")
    found: dict[str, list[str]] = {}
    for person in people(publication):
        for role in person.roles:
            names = found.setdefault(role.group, [])
            if person.name not in names:
                names.append(person.name)
    _, lead = creators(publication)  # an anthology's editors before its authors
    ranked = sorted(found, key=lambda group: (group != lead, order.index(group) if group in order else len(order)))
    return tuple((group, tuple(found[group])) for group in ranked)
