"""Catalogue records for libraries and distributors: Dublin Core, MARCXML and ONIX 3.0, one per edition.

Every record is built as an element tree, so a title or a name holding '<' or '&' stays text.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from publish.model import credits
from publish.model.document import Article, Metadata, Publication
from publish.model.editions import Edition
from publish.model.typography import catalogue_text

DC = "http://purl.org/dc/elements/1.1/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MARC = "http://www.loc.gov/MARC21/slim"
ONIX = "http://ns.editeur.org/onix/3.0/reference"

# BCP 47 primary subtags to the ISO 639-2/B codes MARC and ONIX use.
ISO639_2B = {
    "en": "eng", "fr": "fre", "de": "ger", "es": "spa", "it": "ita", "pt": "por", "nl": "dut",
    "ja": "jpn", "zh": "chi", "km": "khm", "ko": "kor", "th": "tha", "vi": "vie", "ru": "rus",
    "ar": "ara", "hi": "hin", "id": "ind", "ms": "may", "lo": "lao", "my": "bur", "sv": "swe",
    "da": "dan", "no": "nor", "nb": "nob", "nn": "nno", "fi": "fin", "pl": "pol", "cs": "cze",
    "el": "gre", "tr": "tur", "he": "heb", "uk": "ukr", "ca": "cat", "hu": "hun", "ro": "rum",
    "bn": "ben", "ta": "tam", "ur": "urd", "fa": "per", "sw": "swa", "tl": "tgl", "la": "lat",
}


def language_code(tag: str) -> str:
    primary = tag.split("-")[0].lower()
    if len(primary) == 3:
        return primary
    return ISO639_2B.get(primary, "und")


def _full_title(meta: Metadata) -> str:
    return meta.title + (f": {meta.subtitle}" if meta.subtitle else "")


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, name, attrs)
    if text is not None:  # every record's text: as catalogues search it, no invisible word joiner
        element.text = catalogue_text(text)
    return element


# Dublin Core --------------------------------------------------------------------------------------


def dublin_core(publication: Publication, editions: list[Edition]) -> bytes:
    """An OAI-DC record of the publication, listing every edition's identifier and format."""
    meta = publication.metadata
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")

    def dc(name: str, value: str) -> None:
        if value:
            _sub(root, f"{{{DC}}}{name}", value)

    dc("title", _full_title(meta))
    creators, _ = credits.creators(publication)
    for name in creators:  # the authors, or an anthology's editors (model/credits.py)
        dc("creator", name)
    for person in credits.people(publication):
        if person.name not in creators:
            dc("contributor", person.name)
    for subject in meta.subjects:
        dc("subject", subject)
    dc("description", meta.description)
    dc("publisher", meta.publisher)
    dc("date", meta.date)
    dc("type", "Text")
    for media_type in sorted({e.media_type for e in editions}):
        dc("format", media_type)
    dc("identifier", meta.identifier)
    for edition in editions:
        if edition.identifier != meta.identifier:
            dc("identifier", edition.identifier)
    dc("source", meta.source)
    dc("language", meta.language)
    dc("rights", meta.rights)
    return _serialise(root)


# MARCXML ------------------------------------------------------------------------------------------


def _control(record: etree._Element, tag: str, value: str) -> None:
    _sub(record, f"{{{MARC}}}controlfield", value, tag=tag)


def _data(record: etree._Element, tag: str, ind: str, *subfields: tuple[str, str]) -> None:
    present = [(code, value) for code, value in subfields if value]
    if not present:
        return
    field = _sub(record, f"{{{MARC}}}datafield", tag=tag, ind1=ind[0], ind2=ind[1])
    for code, value in present:
        _sub(field, f"{{{MARC}}}subfield", value, code=code)


def _field_008(meta: Metadata, edition: Edition, when: dt.datetime, illustrated: bool) -> str:
    year = meta.date[:4]
    value = (when.strftime("%y%m%d") + "s" + year + "    " + "xx " + ("a   " if illustrated else "    ")
             + " " + ("o" if edition.electronic else " ") + "    " + " " + "000" + " " + "0" + " "
             + language_code(meta.language) + " " + "d")
    assert len(value) == 40, value
    return value


def marc_record(publication: Publication, edition: Edition, others: list[Edition],
                when: dt.datetime) -> etree._Element:
    meta = publication.metadata
    record = etree.Element(f"{{{MARC}}}record")
    _sub(record, f"{{{MARC}}}leader", "00000nam a2200000 i 4500")
    _control(record, "001", edition.identifier)
    _control(record, "005", when.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S.0"))
    if edition.electronic:
        _control(record, "007", "cr |n|||||||||")
    _control(record, "008", _field_008(meta, edition, when, bool(publication.photos)))
    qualifier = {"print": "print", "epub": "EPUB", "archive": "PDF/A"}[edition.key]
    if edition.isbn:
        _data(record, "020", "  ", ("a", edition.isbn), ("q", qualifier))
    else:
        _data(record, "024", "7 ", ("a", edition.identifier), ("2", "uri"))
    _data(record, "041", "0 ", ("a", language_code(meta.language)))
    authors = [c for c in meta.contributors if c.role == "author"]
    if authors:
        _data(record, "100", "0 ", ("a", authors[0].name), ("e", "author."), ("4", "aut"))
    editors = meta.names("editor")
    responsibility = " and ".join(a.name for a in authors) or (
        "edited by " + " and ".join(editors) if editors else "")
    _data(record, "245", ("1" if authors else "0") + "0", ("a", meta.title), ("b", meta.subtitle),
          ("c", responsibility))
    _data(record, "250", "  ", ("a", meta.edition))
    _data(record, "264", " 1", ("b", meta.publisher), ("c", meta.date[:4]))
    if edition.electronic:
        extent = f"1 online resource ({edition.pages} pages)" if edition.pages else "1 online resource"
    else:
        extent = f"{edition.pages} pages" if edition.pages else "1 volume"
    _data(record, "300", "  ", ("a", extent), ("b", "illustrations" if publication.photos else ""))
    _data(record, "336", "  ", ("a", "text"), ("b", "txt"), ("2", "rdacontent"))
    if publication.photos:
        _data(record, "336", "  ", ("a", "still image"), ("b", "sti"), ("2", "rdacontent"))
    media = ("computer", "c") if edition.electronic else ("unmediated", "n")
    carrier = ("online resource", "cr") if edition.electronic else ("volume", "nc")
    _data(record, "337", "  ", ("a", media[0]), ("b", media[1]), ("2", "rdamedia"))
    _data(record, "338", "  ", ("a", carrier[0]), ("b", carrier[1]), ("2", "rdacarrier"))
    if edition.electronic:
        _data(record, "347", "  ", ("a", "text file"), ("b", "EPUB" if edition.key == "epub" else "PDF"),
              ("2", "rda"))
    _data(record, "500", "  ", ("a", edition.label + "."))
    _data(record, "520", "  ", ("a", meta.description))
    _data(record, "540", "  ", ("a", meta.rights))
    _data(record, "546", "  ", ("a", f"Text in {meta.language} (BCP 47)."))
    _contents_note(record, publication)
    for subject in meta.subjects:
        _data(record, "653", " 0", ("a", subject))
    _added_entries(record, publication, authors[0].name if authors else "")
    for other in others:
        number = ("z", other.isbn) if other.isbn else ("o", other.identifier)
        _data(record, "776", "08", ("i", "Also issued as:"), ("t", meta.title), ("b", other.label), number)
    return record


def _relators(record: etree._Element, tag: str, ind: str, name: str, roles: list[credits.Role],
              title: str = "") -> None:
    """One added entry: the name, each role's term ($e, punctuated as a list) and code ($4), the text ($t)."""
    terms = [role.term for role in roles]
    punctuated = [term + ("," if i < len(terms) - 1 else "" if term.endswith(".") else ".")
                  for i, term in enumerate(terms)]
    _data(record, tag, ind, ("a", name), *(("e", term) for term in punctuated),
          *(("4", role.code) for role in roles), ("t", title))


def _added_entries(record: etree._Element, publication: Publication, main: str) -> None:
    """700 fields: everyone credited for the whole publication (or a foreword, an afterword) with all
    their roles; and per text of the body an analytical entry (ind2 2) naming the text, for an
    anthology's authors and translators."""
    for person in credits.people(publication):
        own = {credits.Role(c.marc_code) for c in publication.metadata.contributors if c.name == person.name}
        general = [role for role in person.roles if (role in own or role.kind)  # not a chapter's: below
                   and not (person.name == main and role.code == "aut")]  # the main entry, in 100
        if general:
            _relators(record, "700", "0 ", person.name, general)
    for article in publication.articles:
        if article.division != "body" or article.kind == "part":
            continue
        for name in dict.fromkeys(c.name for c in article.contributors):
            roles = list(dict.fromkeys(credits.text_role(article, c) for c in article.contributors if c.name == name))
            if name == main and all(role.code == "aut" for role in roles):
                continue  # the book's own author, credited in 100
            _relators(record, "700", "02", name, roles, article.title)


def _responsibility(article: Article) -> str:
    authors = " and ".join(article.names("author")) or article.byline
    translators = " and ".join(article.names("translator"))
    return authors + (f" ; translated by {translators}" if translators else "")


def _contents_note(record: etree._Element, publication: Publication) -> None:
    """505, enhanced: each text of the contents with whom it is by, for a book of several texts."""
    listed = [a for a in publication.after_contents if a.title]
    if len(listed) < 2:
        return
    subfields: list[tuple[str, str]] = []
    for number, article in enumerate(listed):
        last = number == len(listed) - 1
        responsibility = _responsibility(article)
        end = "." if last else " --"
        subfields.append(("t", article.title + (" /" if responsibility else end)))
        if responsibility:
            subfields.append(("r", responsibility + end))
    _data(record, "505", "00", *subfields)


def marcxml(publication: Publication, editions: list[Edition], when: dt.datetime) -> bytes:
    """A MARCXML collection holding one bibliographic record per edition, linked to each other (776)."""
    collection = etree.Element(f"{{{MARC}}}collection", nsmap={None: MARC})
    for edition in editions:
        others = [e for e in editions if e is not edition]
        collection.append(marc_record(publication, edition, others, when))
    return _serialise(collection)


# ONIX 3.0 -----------------------------------------------------------------------------------------


def _onix_date(value: str) -> tuple[str, str]:
    """ONIX date and its dateformat code: 00 YYYYMMDD, 01 YYYYMM, 05 YYYY."""
    digits = value.replace("-", "")
    return digits, {8: "00", 6: "01", 4: "05"}[len(digits)]


def _product_identifiers(parent: etree._Element, identifier: str) -> None:
    if identifier.startswith("urn:isbn:"):
        digits = identifier.removeprefix("urn:isbn:")
        holder = _sub(parent, "ProductIdentifier")
        _sub(holder, "ProductIDType", "15" if len(digits) == 13 else "02")
        _sub(holder, "IDValue", digits)
    else:
        holder = _sub(parent, "ProductIdentifier")
        _sub(holder, "ProductIDType", "01")
        _sub(holder, "IDTypeName", "URN")
        _sub(holder, "IDValue", identifier)


def onix_product(publication: Publication, edition: Edition, others: list[Edition]) -> etree._Element:
    meta = publication.metadata
    product = etree.Element("Product")
    _sub(product, "RecordReference", edition.identifier)
    _sub(product, "NotificationType", "03")
    _product_identifiers(product, edition.identifier)

    detail = _sub(product, "DescriptiveDetail")
    _sub(detail, "ProductComposition", "00")
    if edition.electronic:
        _sub(detail, "ProductForm", "ED")
        _sub(detail, "ProductFormDetail", "E101" if edition.key == "epub" else "E107")
        _sub(detail, "EpubTechnicalProtection", "00")
    else:
        _sub(detail, "ProductForm", "BA")
        for measure_type, value in (("01", meta.print.height_mm), ("02", meta.print.width_mm)):
            measure = _sub(detail, "Measure")
            _sub(measure, "MeasureType", measure_type)
            _sub(measure, "Measurement", f"{value:g}")
            _sub(measure, "MeasureUnitCode", "mm")
    title = _sub(detail, "TitleDetail")
    _sub(title, "TitleType", "01")
    element = _sub(title, "TitleElement")
    _sub(element, "TitleElementLevel", "01")
    _sub(element, "TitleText", meta.title)
    if meta.subtitle:
        _sub(element, "Subtitle", meta.subtitle)
    creators, _ = credits.creators(publication)
    people = sorted(credits.people(publication), key=lambda person: person.name not in creators)
    for number, person in enumerate(people, start=1):  # the texts' authors and translators too
        holder = _sub(detail, "Contributor")
        _sub(holder, "SequenceNumber", str(number))
        for code in dict.fromkeys(role.onix for role in person.roles):
            _sub(holder, "ContributorRole", code)
        _sub(holder, "PersonName", person.name)
    if meta.edition:
        _sub(detail, "EditionStatement", meta.edition)
    language = _sub(detail, "Language")
    _sub(language, "LanguageRole", "01")
    _sub(language, "LanguageCode", language_code(meta.language))
    if edition.pages:
        extent = _sub(detail, "Extent")
        _sub(extent, "ExtentType", "00")
        _sub(extent, "ExtentValue", str(edition.pages))
        _sub(extent, "ExtentUnit", "03")
    if edition.electronic and edition.size:
        extent = _sub(detail, "Extent")
        _sub(extent, "ExtentType", "22")
        _sub(extent, "ExtentValue", str(edition.size))
        _sub(extent, "ExtentUnit", "17")
    if meta.subjects:
        subject = _sub(detail, "Subject")
        _sub(subject, "SubjectSchemeIdentifier", "20")
        _sub(subject, "SubjectHeadingText", "; ".join(meta.subjects))

    if meta.description:
        collateral = _sub(product, "CollateralDetail")
        text = _sub(collateral, "TextContent")
        _sub(text, "TextType", "03")
        _sub(text, "ContentAudience", "00")
        _sub(text, "Text", meta.description)

    publishing = _sub(product, "PublishingDetail")
    if meta.publisher:
        publisher = _sub(publishing, "Publisher")
        _sub(publisher, "PublishingRole", "01")
        _sub(publisher, "PublisherName", meta.publisher)
    _sub(publishing, "PublishingStatus", "04")
    date, date_format = _onix_date(meta.date)
    published = _sub(publishing, "PublishingDate")
    _sub(published, "PublishingDateRole", "01")
    _sub(published, "Date", date, dateformat=date_format)

    if others:
        related = _sub(product, "RelatedMaterial")
        for other in others:
            holder = _sub(related, "RelatedProduct")
            _sub(holder, "ProductRelationCode", "06")
            _product_identifiers(holder, other.identifier)
    return product


def onix(publication: Publication, editions: list[Edition], when: dt.datetime) -> bytes:
    """An ONIX 3.0 message with one Product per edition, each pointing at the others as alternatives."""
    meta = publication.metadata
    message = etree.Element("ONIXMessage", nsmap={None: ONIX}, release="3.0")
    header = _sub(message, "Header")
    sender = _sub(header, "Sender")
    _sub(sender, "SenderName", meta.publisher or "publish")
    _sub(header, "SentDateTime", when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ"))
    for edition in editions:
        message.append(onix_product(publication, edition, [e for e in editions if e is not edition]))
    # Elements were created without a namespace for brevity; move them into ONIX's default namespace.
    for element in message.iter():
        if isinstance(element.tag, str) and not element.tag.startswith("{"):
            element.tag = f"{{{ONIX}}}{element.tag}"
    etree.cleanup_namespaces(message)
    return _serialise(message)
