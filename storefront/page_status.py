"""The real HTTP status of shop, product and category addresses.

The production build is a static single-page app: every route answers 200 with the
same HTML and the page finds out in the browser that a product does not exist. For
`/p/<shop>/<product>`, `/s/<shop>` and `/c/<category>` this middleware asks the
catalogue first (`catalog.queries.page_answer`, the pages' own rules) and, for an
unknown or unavailable one, answers the same page with status 404 and a "not found"
(or "unavailable") title, so crawlers and link previews are told the truth before any
script runs. The page then shows its own not-found state in the browser.
"""

from __future__ import annotations

import html
import re
from http.cookies import SimpleCookie
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import routes
from commerce import accounts
from commerce.accounts.service import session_user_id
from commerce.actor import Actor
from commerce.catalog.queries import PageAnswer, page_answer
from commerce.db import unit_of_work
from commerce.links import CATEGORIES_PATH, PRODUCTS_PATH, SHOPS_PATH
from components.theme import BRAND_NAME

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
_DROPPED = (b"content-length", b"etag", b"last-modified", b"cache-control", b"content-encoding")


def _slugs(path: str) -> dict[str, str] | None:
    for pattern, names in _PATTERNS:
        match = pattern.match(path)
        if match:
            values = match.groups()
            if any(len(value) > MAX_SLUG for value in values):
                return None
            return dict(zip(names, values, strict=True))
    return None


def _session_token(scope: Scope) -> str:
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


def _answer(slugs: dict[str, str], token: str) -> PageAnswer:
    with unit_of_work() as s:
        viewer = None
        user_id = session_user_id(s, token) if token else None
        if user_id is not None:
            # Sellers and admins preview products before they are live.
            user = accounts.get_user(s, Actor(user_id=user_id, role="buyer"))
            viewer = Actor(user_id=user.id, role=user.role, shop_id=user.shop_id)
        return page_answer(s, viewer=viewer, **slugs)


def retitle(document: bytes, answer: PageAnswer) -> bytes:
    """The page's HTML with the not-found (or unavailable) title and no indexing."""
    head = f'<title>{html.escape(TITLES[answer])}</title><meta name="robots" content="noindex">'.encode()
    if _TITLE.search(document):
        return _TITLE.sub(lambda _: head, document, count=1)
    return _HEAD.sub(lambda match: match.group(0) + head, document, count=1)


class PageStatusMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        slugs = _slugs(scope["path"])
        if slugs is None:
            await self.app(scope, receive, send)
            return
        slugs = {name: unquote(value) for name, value in slugs.items()}
        answer = await run_in_threadpool(_answer, slugs, _session_token(scope))
        if answer == PageAnswer.FOUND:
            await self.app(scope, receive, send)
            return
        # Ask for the plain document (no precompressed copy) so its title can be replaced, as
        # body messages: without the server's extensions a file is not sent by path (pathsend).
        headers = [(k, v) for k, v in scope.get("headers", []) if k != b"accept-encoding"]
        plain_scope = {**scope, "headers": headers, "extensions": {}}
        start: Message = {}
        body = bytearray()

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self.app(plain_scope, receive, capture)
        response_headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in _DROPPED]
        is_html = any(k.lower() == b"content-type" and b"text/html" in v for k, v in response_headers)
        document = retitle(bytes(body), answer) if is_html and start.get("status") == 200 else bytes(body)
        response_headers.append((b"content-length", str(len(document)).encode()))
        response_headers.append((b"cache-control", b"no-store"))
        await send({"type": "http.response.start", "status": 404, "headers": response_headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else document})
