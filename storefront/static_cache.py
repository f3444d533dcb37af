"""Long caching for the built frontend's scripts and styles; pages revalidated on every load.

Everything under `/assets/` is written by the production build with a content hash in
its name, so a changed file gets a new address. Without a Cache-Control header browsers
revalidate each of them on every full page load (sixty-odd conditional requests after
a sign-in's redirect, each a round trip the page waits for); marked immutable, they are
read from the browser's cache.

The pages themselves must not be cached that way: without a Cache-Control header a browser
may reuse a built page for a while without asking (heuristic freshness from its
Last-Modified), and a page load that never reaches the server cannot rotate the session's
token or answer in the visitor's language. Pages get `no-cache`: the browser asks each
time and gets a 304 when the file is unchanged. (Folder pages were asked for anyway while
they answered with a redirect to their trailing slash; see storefront/folder_pages.py.)
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ASSETS_PREFIX = "/assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class StaticCacheMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not scope["path"].startswith(ASSETS_PREFIX):

            async def send_revalidated(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableHeaders(scope=message)
                    if headers.get("content-type", "").startswith("text/html") and "cache-control" not in headers:
                        headers["cache-control"] = REVALIDATE
                await send(message)

            await self.app(scope, receive, send_revalidated)
            return

        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                MutableHeaders(scope=message)["cache-control"] = IMMUTABLE
            await send(message)

        await self.app(scope, receive, send_cached)
