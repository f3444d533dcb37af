"""Text a seller types: titles, slugs, tags and the Markdown description.

The description is Markdown rendered to HTML here, never in the browser: raw HTML
in the source is escaped by the Markdown parser, and the result is sanitised again
by nh3 against a short list of tags, so a description can never carry a script,
an event handler, a `javascript:` link or an element that breaks the page out of
its box. Pictures belong in the gallery: descriptions cannot embed images, which
would also let a seller's server log every buyer who opens the page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml as escape_html

from commerce.errors import ValidationError
from commerce.i18n import bo_gettext, format_number
from commerce.kit.unicode_text import shown_text_problem

MAX_TITLE_LENGTH = 120
MAX_SUMMARY_LENGTH = 280
MAX_SLUG_LENGTH = 80
MAX_DESCRIPTION_BYTES = 100_000
MAX_TAGS = 10
MAX_TAG_LENGTH = 30

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")
# Letters and digits of any script, with single spaces, hyphens, dots, plus signs
# and ampersands between them ("c++", "ui kit", "e-book", "r&b").
_TAG = re.compile(r"[^\W_](?:[\w .+&'-]*[\w+])?")

_ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
_LINK_REL = "nofollow noopener noreferrer"


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" and char not in "\n\t\r" for char in text)


def clean_title(title: str) -> str:
    cleaned = _SPACES.sub(" ", unicodedata.normalize("NFC", title or "")).strip()
    if not cleaned:
        raise ValidationError(bo_gettext("Give the product a title."), "title")
    if len(cleaned) > MAX_TITLE_LENGTH:
        raise ValidationError(
            bo_gettext(
                "A title can be at most {maximum} characters (this one has {count}).",
                maximum=MAX_TITLE_LENGTH,
                count=len(cleaned),
            ),
            "title",
        )
    if _has_control_characters(cleaned):
        raise ValidationError(bo_gettext("The title contains invisible control characters."), "title")
    if problem := shown_text_problem(cleaned):
        raise ValidationError(f"The title {problem}.", "title")
    return cleaned


def clean_summary(summary: str) -> str:
    cleaned = _SPACES.sub(" ", unicodedata.normalize("NFC", summary or "")).strip()
    if len(cleaned) > MAX_SUMMARY_LENGTH:
        raise ValidationError(
            bo_gettext(
                "The summary can be at most {maximum} characters (this one has {count}).",
                maximum=MAX_SUMMARY_LENGTH,
                count=len(cleaned),
            ),
            "summary",
        )
    if _has_control_characters(cleaned):
        raise ValidationError(bo_gettext("The summary contains invisible control characters."), "summary")
    if problem := shown_text_problem(cleaned):
        raise ValidationError(f"The summary {problem}.", "summary")
    return cleaned


def clean_description(markdown: str) -> str:
    text = (markdown or "").replace("\r\n", "\n").strip()
    size = len(text.encode("utf-8"))
    if size > MAX_DESCRIPTION_BYTES:
        raise ValidationError(
            bo_gettext(
                "The description can be at most {maximum} KB (this one is {size} KB).",
                maximum=MAX_DESCRIPTION_BYTES // 1000,
                size=format_number(size // 1000),
            ),
            "description",
        )
    if _has_control_characters(text):
        raise ValidationError(bo_gettext("The description contains invisible control characters."), "description")
    return text


def slugify(text: str) -> str:
    """A URL slug from a title: ASCII letters and digits joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = _NOT_SLUG.sub("-", ascii_text).strip("-")
    if len(slug) > MAX_SLUG_LENGTH:
        slug = slug[:MAX_SLUG_LENGTH].rsplit("-", 1)[0] or slug[:MAX_SLUG_LENGTH]
    return slug or "product"


def validate_slug(slug: str) -> str:
    cleaned = (slug or "").strip().lower()
    if not cleaned:
        raise ValidationError(bo_gettext("The address (slug) cannot be empty."), "slug")
    if len(cleaned) > MAX_SLUG_LENGTH or not _SLUG.fullmatch(cleaned):
        raise ValidationError(
            bo_gettext(
                "The address (slug) is up to {maximum} lower-case letters and digits "
                "separated by single hyphens, like 'my-first-ebook'.",
                maximum=MAX_SLUG_LENGTH,
            ),
            "slug",
        )
    return cleaned


def normalise_tags(tags: Iterable[str]) -> list[str]:
    """Lower case, single-spaced, without a leading '#', without repeats, in order."""
    result: list[str] = []
    for raw in tags:
        tag = _SPACES.sub(" ", unicodedata.normalize("NFKC", raw or "")).strip().lstrip("#").strip().lower()
        if not tag or tag in result:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(
                bo_gettext(
                    "The tag '{tag}…' is too long: tags are at most {maximum} characters.",
                    tag=tag[:MAX_TAG_LENGTH],
                    maximum=MAX_TAG_LENGTH,
                ),
                "tags",
            )
        if not _TAG.fullmatch(tag):
            raise ValidationError(
                bo_gettext("The tag '{tag}' can only use letters, digits, spaces and - . + & '.", tag=tag), "tags"
            )
        result.append(tag)
    if len(result) > MAX_TAGS:
        raise ValidationError(
            bo_gettext(
                "A product can have at most {maximum} tags ({count} given).", maximum=MAX_TAGS, count=len(result)
            ),
            "tags",
        )
    return result


def split_tags(text: str) -> list[str]:
    """Tags typed in one field, separated by commas."""
    return [part for part in (text or "").split(",") if part.strip()]


_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def _image_as_alt_text(self, tokens, idx, options, env):
    # Descriptions show no remote pictures; the alt text keeps the sentence whole.
    return escape_html(self.renderInlineAsText(tokens[idx].children or [], options, env))


_markdown.add_render_rule("image", _image_as_alt_text)


@lru_cache(maxsize=256)
def render_markdown(markdown: str) -> str:
    """Safe HTML for a product description (the same input always gives the same output)."""
    html = _markdown.render(markdown or "")
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        link_rel=_LINK_REL,
        url_schemes={"http", "https", "mailto"},
        filter_style_properties={"text-align"},
        strip_comments=True,
    )


_LEADING_HEADING = re.compile(r"\A\s*(?:#{1,6}[ \t]+(?P<atx>[^\n]*?)[ \t#]*|(?P<setext>[^\n]+)\n[=-]+[ \t]*)(?:\n|\Z)")


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def without_leading_title(markdown: str, title: str) -> str:
    """The description without a first heading that only repeats the product's title
    (the page prints the title already)."""
    match = _LEADING_HEADING.match(markdown or "")
    if match and _same_words(match.group("atx") or match.group("setext") or "", title):
        return markdown[match.end() :].lstrip("\n")
    return markdown
