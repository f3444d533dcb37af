"""A shop page's head as HTML, for the document the server sends.

The static build's document for `/p/…`, `/s/…` and `/c/…` has no title or meta tags of its
own (the page sets them in the browser), so crawlers and link previews that run no script
would read nothing. `head_html` renders a `commerce.seo.head.PageHead` as the tags they
read: title, description, canonical link, Open Graph and Twitter card, and `structured_data_html`
its schema.org JSON-LD. `with_head` puts them into the document in place of its generic ones:
the tags after the character set, the JSON-LD at the end of the head. React hydrates the head
in order and takes an inline `<script>` it meets for the framework's own one: a data block
ahead of it failed hydration (React error 418), and React then rebuilt the whole document,
dropping the title and the product's first screen before the app had drawn the page.

Every value is escaped for where it goes: attribute and text values with `html.escape`,
and the JSON-LD with `<`, `>` and `&` written as JSON escapes, so no text (a title with
`</script>` or quotes) can end the element it sits in. JSON-LD is a data block
(`type="application/ld+json"`): the browser never runs it, so the CSP does not apply to it.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import urlencode

import routes
from commerce import i18n
from commerce.seo.head import PageHead, absolute
from components.head import SERVED, UNTIL_DRAWN, UNTIL_LEFT
from components.theme import BRAND_NAME

# The tags each kind of page ("og:type") renders again from its state: storefront.pages.product,
# and storefront.layout.listing_page for shops and categories. The page takes them over; the
# others stay until the visitor leaves the address (components.head).
DRAWN_BY_THE_PAGE = {
    "product": {
        "title",
        "description",
        "canonical",
        "og:type",
        "og:title",
        "og:description",
        "og:url",
        "og:image",
        "twitter:card",
    },
    "website": {"title", "description", "og:title", "og:description"},
}
# The product picture's `sizes`, as storefront/pages/product.py renders it.
PRODUCT_IMAGE_SIZES = "(min-width: 768px) 60vw, 100vw"
# Tags of the generic document that the page's own head replaces.
_REPLACED = re.compile(
    rb"<title\b[^>]*>.*?</title>"
    rb"|<meta\b[^>]*\b(?:name|property)=[\"'](?:description|og:[\w:]+|twitter:[\w:]+)[\"'][^>]*>"
    rb"|<link\b[^>]*\brel=[\"']canonical[\"'][^>]*>",
    re.DOTALL | re.IGNORECASE,
)
_TAG_NAME = re.compile(r"^<\w+")
_HEAD_OPEN = re.compile(rb"<head\b[^>]*>", re.IGNORECASE)
_HEAD_CLOSE = re.compile(rb"</head>", re.IGNORECASE)
# The page's tags go after the character set declaration (which must stay in the first 1024 bytes).
_CHARSET = re.compile(rb"<meta\b[^>]*\bcharset=[^>]*>", re.IGNORECASE)
# The characters that could end a <script> element or start markup inside it.
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


_HTML_LANG = re.compile(rb'<html lang="[^"]*"(?: dir="[^"]*")?')


def json_ld(data: dict[str, Any]) -> str:
    """JSON that is safe inside <script type="application/ld+json"> (and still the same JSON)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)


def _meta(attribute: str, name: str, content: str) -> str:
    return f'<meta {attribute}="{name}" content="{html.escape(content)}">'


def language_address(address: str, language: str) -> str:
    """The address of the page in `language`: `?lang=<code>` on the same path (docs/i18n.md)."""
    return f"{address}?{urlencode({routes.LANGUAGE_PARAM: language})}"


def alternates(address: str) -> list[str]:
    """hreflang links to the page in every language, and x-default to the unmarked address
    (which speaks the visitor's browser language)."""
    links = [
        f'<link rel="alternate" hreflang="{code}" href="{html.escape(language_address(address, code))}">'
        for code in i18n.LANGUAGES
    ]
    return [*links, f'<link rel="alternate" hreflang="x-default" href="{html.escape(address)}">']


def head_html(head: PageHead, base_url: str) -> str:
    """The page's head in the request's language (`commerce.i18n`'s current one)."""
    base = base_url.rstrip("/")
    address = base + head.path
    spoken = i18n.current_language()
    canonical = address if spoken == i18n.DEFAULT_LANGUAGE else language_address(address, spoken)
    title = f"{head.title} · {BRAND_NAME}"
    tags = [
        ("title", f"<title>{html.escape(title)}</title>"),
        ("description", _meta("name", "description", head.description)),
        ("canonical", f'<link rel="canonical" href="{html.escape(canonical)}">'),
        *(("alternate", link) for link in alternates(address)),
        ("og:site_name", _meta("property", "og:site_name", BRAND_NAME)),
        ("og:type", _meta("property", "og:type", head.og_type)),
        ("og:title", _meta("property", "og:title", head.title)),
        ("og:description", _meta("property", "og:description", head.description)),
        ("og:url", _meta("property", "og:url", canonical)),
    ]
    if head.lang:
        tags.append(("og:locale", _meta("property", "og:locale", head.lang)))
    if head.image_path:
        image = base + head.image_path if head.image_path.startswith("/") else head.image_path
        tags += [
            ("og:image", _meta("property", "og:image", image)),
            ("og:image:alt", _meta("property", "og:image:alt", head.image_alt)),
            ("twitter:card", _meta("name", "twitter:card", "summary_large_image")),
            ("twitter:image", _meta("name", "twitter:image", image)),
        ]
    else:
        tags.append(("twitter:card", _meta("name", "twitter:card", "summary")))
    tags += [
        ("twitter:title", _meta("name", "twitter:title", head.title)),
        ("twitter:description", _meta("name", "twitter:description", head.description)),
    ]
    if head.og_type == "product" and head.image_path:
        # The product page's largest paint is its cover: fetch it with the HTML, not after the
        # scripts and the first state delta (same srcset and sizes as the page's <img>).
        tags.append(("preload", image_preload(head.image_path, head.image_srcset, PRODUCT_IMAGE_SIZES)))
    if head.noindex:
        tags.append(("robots", '<meta name="robots" content="noindex">'))
    drawn = DRAWN_BY_THE_PAGE[head.og_type]
    return "".join(served(tag, UNTIL_DRAWN if kind in drawn else UNTIL_LEFT) for kind, tag in tags)


def structured_data_html(head: PageHead, base_url: str) -> str:
    """The page's schema.org data block, or nothing."""
    if not head.structured_data:
        return ""
    data = json_ld(absolute(head.structured_data, base_url))
    return served(f'<script type="application/ld+json">{data}</script>', UNTIL_LEFT)


def served(tag: str, until: str) -> str:
    """`tag` marked as the server's, to be dropped when the page has drawn its own
    (`UNTIL_DRAWN`) or when the visitor has left the address (`UNTIL_LEFT`), components.head."""
    return _TAG_NAME.sub(rf'\g<0> {SERVED}="{until}"', tag, count=1)


def image_preload(href: str, srcset: str = "", sizes: str = "") -> str:
    """A link that has the browser fetch a picture with the document, first among images."""
    chosen = f' imagesrcset="{html.escape(srcset)}" imagesizes="{html.escape(sizes)}"' if srcset else ""
    return f'<link rel="preload" as="image" fetchpriority="high" href="{html.escape(href)}"{chosen}>'


def with_image_preload(document: bytes, href: str) -> bytes:
    """The document with a preload of `href` at the top of its head (after the character set)."""
    match = _HEAD_OPEN.search(document)
    if match is None:
        return document
    charset = _CHARSET.match(document, match.end())
    at = charset.end() if charset else match.end()
    return document[:at] + image_preload(href).encode() + document[at:]


def with_head(document: bytes, head: PageHead, base_url: str) -> bytes:
    """The document with its generic title and meta tags replaced by the page's own."""
    match = _HEAD_OPEN.search(document)
    if match is None:
        return document
    end = _HEAD_CLOSE.search(document, match.end())
    stop = end.start() if end else match.end()
    inside = _REPLACED.sub(b"", document[match.end() : stop])
    charset = _CHARSET.match(inside.lstrip())
    at = len(inside) - len(inside.lstrip()) + charset.end() if charset else 0
    tags = head_html(head, base_url).encode()
    data = structured_data_html(head, base_url).encode()
    document = document[: match.end()] + inside[:at] + tags + inside[at:] + data + document[stop:]
    # The language crawlers read before any script runs (the page keeps it in step after).
    spoken = i18n.current_language()
    return _HTML_LANG.sub(f'<html lang="{spoken}" dir="{i18n.direction(spoken)}"'.encode(), document, count=1)
