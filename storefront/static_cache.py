"""Long caching for the built frontend's scripts and styles.

Everything under `/assets/` is written by the production build with a content hash in
its name, so a changed file gets a new address. Without a Cache-Control header browsers
revalidate each of them on every full page load (sixty-odd conditional requests after
a sign-in's redirect, each a round trip the page waits for); marked immutable, they are
read from the browser's cache.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ASSETS_PREFIX = "/assets/"
IMMUTABLE = "public, max-age=31536000, immutable"


class StaticCacheMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(ASSETS_PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                MutableHeaders(scope=message)["cache-control"] = IMMUTABLE
            await send(message)

        await self.app(scope, receive, send_cached)
