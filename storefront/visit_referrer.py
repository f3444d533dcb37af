"""The outside page a visit came from, kept for the analytics state without any script.

A page load whose Referer is another site gets it back in a short-lived first-party
cookie (`routes.REFERRER_COOKIE`); the page's websocket handshake carries it to
`VisitorState._land` (run by the shop page's on-load, `ShellState.open_shop_page`).
(Reading `document.referrer` from the state would need Reflex's call_script, which
evaluates code in the browser and the CSP forbids.)
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import routes

REFERRER_SECONDS = 600
MAX_REFERRER = 500
_NOT_PAGES = ("/api/", "/_event", "/_upload", "/ping", "/healthz", "/readyz", "/metrics", "/assets/")


class ReferrerMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(_NOT_PAGES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        referrer = headers.get("referer", "")[:MAX_REFERRER]
        host = headers.get("host", "")
        if not referrer or "text/html" not in headers.get("accept", "") or urlsplit(referrer).netloc == host:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(
                    "set-cookie",
                    f"{routes.REFERRER_COOKIE}={quote(referrer, safe='')}; Max-Age={REFERRER_SECONDS}; "
                    "Path=/; HttpOnly; SameSite=Lax",
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)
