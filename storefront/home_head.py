"""The home page's document names its largest paint, so the browser fetches it at once.

On a phone the home page's largest paint is the first product card's cover (Lighthouse,
bench/lighthouse), and the page learns which product that is only after its scripts ran and
its first state delta arrived. The listing is the one every tab of this process shares
(`state.home.home_listing`, per language and page), so the served document can preload that
cover while the scripts download, and the page's own state load then finds the listing made.
The product page does the same for its cover (`storefront.page_head`).
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from commerce import i18n
from state.home import home_listing
from state.page import parse_page_number
from storefront.page_head import with_image_preload
from storefront.page_status import is_html, plain_document, send_document

HOME_PATH = "/"
log = logging.getLogger(__name__)


class HomeCoverPreloadMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or scope["path"] != HOME_PATH:
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        page = parse_page_number((query.get("page") or ["1"])[0])
        try:
            cover = (await home_listing(i18n.current_language(), page)).first_cover
        except Exception:  # noqa: BLE001 - the page never fails for its preload; its state reports the error
            log.exception("home page listing failed; the page goes out without its cover preload")
            cover = None
        if not cover:
            await self.app(scope, receive, send)
            return
        status, headers, document = await plain_document(self.app, scope, receive)
        if is_html(headers) and status == 200:
            document = with_image_preload(document, cover)
        await send_document(scope, send, status, headers, document)
