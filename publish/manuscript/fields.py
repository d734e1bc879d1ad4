"""Display strings of the front matter and publication.toml, set as the body text is.

Titles, subtitles, standfirsts, bylines and descriptions are plain strings, not Markdown, so the
Markdown reader's typographer never sees them: without this, "the board's review" kept its
typewriter apostrophe on the title page, the headline, the contents and the running heads while the
body beside it had ’. Each field is set once, where it enters the model, by the language it is in:
quotation marks of that language (markdown-it's smart quotes and replacements, nothing else of
Markdown: an asterisk stays an asterisk), numbers bound to their units and ranges bound at their
dash (model/typography.py).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from markdown_it import MarkdownIt

from publish.model.document import Article, Metadata
from publish.model.typography import bind_ranges, bind_units, quotes_for


@cache
def _typographer(language: str) -> MarkdownIt:
    """Only the typographer's rules: the "zero" preset reads every other character as text."""
    md = MarkdownIt("zero", {"typographer": True, "quotes": list(quotes_for(language))})
    return md.enable(["replacements", "smartquotes"])


def typeset(text: str, language: str) -> str:
    """A display string as set: typographic quotes of `language`, units and ranges bound."""
    if not text:
        return text
    tokens = _typographer(language.lower()).parseInline(text)
    children = tokens[0].children if tokens and tokens[0].children else []
    text = "".join(child.content for child in children) or text
    return bind_ranges(bind_units(text))


def typeset_metadata(metadata: Metadata) -> Metadata:
    """The publication's title, subtitle and description, and its title's translations, each in its language."""
    lang = metadata.language
    translations = tuple(replace(t, title=typeset(t.title, t.lang), subtitle=typeset(t.subtitle, t.lang),
                                 standfirst=typeset(t.standfirst, t.lang)) for t in metadata.translations)
    return replace(metadata, title=typeset(metadata.title, lang), subtitle=typeset(metadata.subtitle, lang),
                   description=typeset(metadata.description, lang), translations=translations)


def typeset_article(article: Article, language: str, title_given: bool) -> Article:
    """A text's headline fields from its front matter; a title taken from its "# Heading" is set already."""
    return replace(article, title=typeset(article.title, language) if title_given else article.title,
                   subtitle=typeset(article.subtitle, language), standfirst=typeset(article.standfirst, language),
                   byline=typeset(article.byline, language))

