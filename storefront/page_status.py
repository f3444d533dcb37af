"""The real HTTP status and head of shop, product and category addresses.

The production build is a static single-page app: every route answers 200 with the
same HTML and the page finds out in the browser that a product does not exist, and
sets its title and meta tags there. For `/p/<shop>/<product>`, `/s/<shop>` and
`/c/<category>` this middleware asks the catalogue first (`catalog.queries.page_answer`,
the pages' own rules):

- an unknown or unavailable one answers the same page with status 404 and a "not found"
  (or "unavailable") title; the page then shows its own not-found state in the browser;
- a found one answers with its real head (`commerce.seo.head`, rendered by
  `storefront.page_head`): title, description, canonical URL, Open Graph, Twitter card
  and schema.org JSON-LD,

so crawlers and link previews are told the truth before any script runs. In the browser,
React adopts the server's <title> when the page renders its own. Either way the document
names the page's own scripts for preloading (`storefront.route_modules`); a product's also
paints its first screen before the scripts run (`storefront.first_paint`).
"""

from __future__ import annotations

import gzip
import html
import re
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import routes
from commerce import accounts, i18n
from commerce.catalog.queries import PageAnswer, page_answer
from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.links import CATEGORIES_PATH, PRODUCTS_PATH, SHOPS_PATH
from commerce.seo.head import PageHead, page_head
from components.head import UNTIL_DRAWN, UNTIL_LEFT
from components.theme import BRAND_NAME
from storefront.first_paint import fold_html, with_first_paint
from storefront.page_head import served, with_head
from storefront.route_modules import with_route_modules

_SEGMENT = r"([^/]+)"
_PATTERNS = (
    (re.compile(rf"^{PRODUCTS_PATH}/{_SEGMENT}/{_SEGMENT}/?$"), ("shop", "product")),
    (re.compile(rf"^{SHOPS_PATH}/{_SEGMENT}/?$"), ("shop",)),
    (re.compile(rf"^{CATEGORIES_PATH}/{_SEGMENT}/?$"), ("category",)),
)
TITLES = {
    PageAnswer.NOT_FOUND: f"Not found · {BRAND_NAME}",
    PageAnswer.UNAVAILABLE: f"Unavailable · {BRAND_NAME}",
}
_TITLE = re.compile(rb"<title>.*?</title>", re.DOTALL | re.IGNORECASE)
_HEAD = re.compile(rb"<head[^>]*>", re.IGNORECASE)
MAX_SLUG = 200
# Headers of the static file that no longer describe the answer.
_DROPPED = (
    b"content-length",
    b"etag",
    b"last-modified",
    b"cache-control",
    b"content-encoding",
    b"vary",
    b"accept-ranges",
)
_REQUEST_DROPPED = (b"accept-encoding", b"if-none-match", b"if-modified-since", b"range", b"if-range")


def _slugs(path: str) -> dict[str, str] | None:
    for pattern, names in _PATTERNS:
        match = pattern.match(path)
        if match:
            values = match.groups()
            if any(len(value) > MAX_SLUG for value in values):
                return None
            return dict(zip(names, values, strict=True))
    return None


def session_token(scope: Scope) -> str:
    """The session cookie's token in a request, empty when there is none."""
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            cookie: SimpleCookie = SimpleCookie()
            try:
                cookie.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header names nobody
                return ""
            morsel = cookie.get(routes.SESSION_COOKIE)
            return morsel.value if morsel else ""
    return ""


def _answer(slugs: dict[str, str], token: str, lang: str = "") -> tuple[PageAnswer, PageHead | None]:
    """Whether the page exists for this visitor and, when it does, its head (a product's in
    the seller's translation into `lang`, where there is one)."""
    with unit_of_work() as s:
        # Sellers and admins preview products before they are live.
        viewer = accounts.session_actor(s, token)
        answer = page_answer(s, viewer=viewer, **slugs)
        if answer != PageAnswer.FOUND:
            return answer, None
        return answer, page_head(s, viewer=viewer, lang=lang, **slugs)


def retitle(document: bytes, answer: PageAnswer) -> bytes:
    """The page's HTML with the not-found (or unavailable) title and no indexing."""
    title = served(f"<title>{html.escape(TITLES[answer])}</title>", UNTIL_DRAWN)
    head = (title + served('<meta name="robots" content="noindex">', UNTIL_LEFT)).encode()
    if _TITLE.search(document):
        return _TITLE.sub(lambda _: head, document, count=1)
    return _HEAD.sub(lambda match: match.group(0) + head, document, count=1)


class PageStatusMiddleware:
    def __init__(self, app: ASGIApp, client_dir: Callable[[], Path]):
        self.app = app
        self._client_dir = client_dir

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        slugs = _slugs(scope["path"])
        if slugs is None:
            await self.app(scope, receive, send)
            return
        slugs = {name: unquote(value) for name, value in slugs.items()}
        # A product's head in the seller's translation into the request's language (?lang=,
        # the cookie or Accept-Language: RequestLanguageMiddleware), where there is one.
        answer, head = await run_in_threadpool(_answer, slugs, session_token(scope), i18n.current_language())
        status, headers, document = await plain_document(self.app, scope, receive)
        if is_html(headers) and status == 200:
            if head is not None:
                document = with_head(document, head, get_settings().base_url)
            else:
                document = retitle(document, answer)
                status = 404
            document = with_route_modules(document, scope["path"], self._client_dir())
            if head is not None and head.fold is not None:
                document = with_first_paint(document, fold_html(head.fold))
        await send_document(scope, send, status, headers, document)


async def plain_document(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The app's answer to this request as one uncompressed document, to be rewritten: its
    status, the headers that still describe it after a rewrite, and its body.

    Asked for without the precompressed copy (so its head can be edited), as body messages
    (without the server's extensions a file is not sent by path, pathsend), and not as a 304
    or a range of the static file: the answer is a new document."""
    headers = [(k, v) for k, v in scope.get("headers", []) if k not in _REQUEST_DROPPED]
    plain_scope = {**scope, "headers": headers, "extensions": {}}
    start: Message = {}
    body = bytearray()

    async def capture(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(plain_scope, receive, capture)
    kept = [(k, v) for k, v in start.get("headers", []) if k.lower() not in _DROPPED]
    return start.get("status", 500), kept, bytes(body)


async def send_rewritten(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    rewrite: Callable[[bytes], bytes],
    *,
    private: bool = False,
) -> None:
    """The app's document for this request, passed through `rewrite` when it is the page itself
    (HTML, 200; an error page goes out as it is), then sent as `send_document` sends it."""
    status, headers, document = await plain_document(app, scope, receive)
    if is_html(headers) and status == 200:
        document = rewrite(document)
    await send_document(scope, send, status, headers, document, private=private)


def is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k.lower() == b"content-type" and b"text/html" in v for k, v in headers)


async def send_document(
    scope: Scope, send: Send, status: int, headers: list[tuple[bytes, bytes]], document: bytes, *, private: bool = False
) -> None:
    """A rewritten document, gzipped when the browser takes it, never served from a cache unasked;
    `private` (one visitor's own: their library) kept by no shared cache."""
    headers = list(headers)
    if _accepts_gzip(scope) and len(document) > 1024:
        document = gzip.compress(document, compresslevel=6)
        headers.append((b"content-encoding", b"gzip"))
    headers.append((b"content-length", str(len(document)).encode()))
    headers.append((b"vary", b"Accept-Encoding, Cookie"))
    # The head follows the catalogue (a new title, a price): never a stale copy.
    if private:
        headers.append((b"cache-control", b"private, no-store"))
    else:
        headers.append((b"cache-control", b"no-cache" if status == 200 else b"no-store"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else document})


def _accepts_gzip(scope: Scope) -> bool:
    return any(name == b"accept-encoding" and b"gzip" in value.lower() for name, value in scope.get("headers", []))
