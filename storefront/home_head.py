"""The home page's document paints its largest paint, before the app's scripts run.

On a phone the home page's largest paint is the first product card's cover (Lighthouse,
bench/lighthouse), and the page learns which product that is only after its scripts ran and
its first state delta arrived. The listing is the one every tab of this process shares
(`state.home.home_listing`, per language and page), so the served document names that cover:
it preloads it, and paints it into the first card's place in the prerendered page (the
placeholder the page shows until its data comes, `POPULAR_FIRST_COVER_ID` or
`NEWEST_FIRST_COVER_ID`), and its scripts start after that first frame
(`storefront.first_paint`). The page's own state load then finds the listing made, and its
card draws the same picture in the same box. The product page does the same for its cover.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from commerce import i18n
from state.home import home_listing
from state.page import parse_page_number
from storefront.first_paint import with_first_paint
from storefront.page_head import with_image_preload
from storefront.page_status import send_rewritten

HOME_PATH = "/"
# The first card's cover box in the home page's placeholders (storefront.pages.home).
POPULAR_FIRST_COVER_ID = "home-popular-first-cover"
NEWEST_FIRST_COVER_ID = "home-products-first-cover"
# A cover address that can stand in a CSS string as it is (the media routes' own paths).
_PLAIN_ADDRESS = re.compile(r"^[\w/.:%-]+$")
_HEAD_CLOSE = re.compile(rb"</head>", re.IGNORECASE)
log = logging.getLogger(__name__)


def with_first_cover(document: bytes, cover: str, box_id: str) -> bytes:
    """The document with `cover` painted into the placeholder box `box_id` (as its background,
    as the card's picture fills its box), and the page's scripts started after that frame."""
    close = _HEAD_CLOSE.search(document)
    if close is None or not _PLAIN_ADDRESS.match(cover):
        return document
    style = f'<style>#{box_id}{{background:url("{cover}") center/cover no-repeat}}</style>'.encode()
    return with_first_paint(document[: close.start()] + style + document[close.start() :], None)


class HomeFirstCoverMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or scope["path"] != HOME_PATH:
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        page = parse_page_number((query.get("page") or ["1"])[0])
        try:
            listing = await home_listing(i18n.current_language(), page)
        except Exception:  # noqa: BLE001 - the page never fails for its preload; its state reports the error
            log.exception("home page listing failed; the page goes out without its cover preload")
            listing = None
        cover = listing.first_cover if listing is not None else None
        if not cover:
            await self.app(scope, receive, send)
            return
        box = POPULAR_FIRST_COVER_ID if listing.popular else NEWEST_FIRST_COVER_ID
        await send_rewritten(
            self.app,
            scope,
            receive,
            send,
            lambda document: with_first_cover(with_image_preload(document, cover), cover, box),
        )
