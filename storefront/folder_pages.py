"""Pages that the build writes as folders, answered at their own address, not redirected.

The build writes a route with pages under it (`/library`, `/search`, `/account`) as a
folder holding an index.html. Starlette's StaticFiles, which serves the build, answers
such an address without its trailing slash with a redirect to it, so opening `/library`
or `/search?q=…` cost a round trip before the page could start to load (about half a
second on a phone's connection, bench/lighthouse). This middleware hands the folder's
address to the static files instead; the browser keeps the address it asked for, and
the page is the same document either way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

# Addresses that are never pages of the build.
_NOT_PAGES = ("/api/", "/_", "/assets/")
MAX_DEPTH = 4


class FolderPagesMiddleware:
    def __init__(self, app: ASGIApp, client_dir: Callable[[], Path]):
        self.app = app
        self._client_dir = client_dir

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path = scope["path"]
            if _could_be_folder(path) and _has_index(self._client_dir(), path):
                scope = {**scope, "path": path + "/", "raw_path": scope.get("raw_path", path.encode()) + b"/"}
        await self.app(scope, receive, send)


def _could_be_folder(path: str) -> bool:
    if path == "/" or path.endswith("/") or path.startswith(_NOT_PAGES):
        return False
    segments = path.strip("/").split("/")
    # A file's address (a dot in its name) or one climbing out of the build is no page.
    return len(segments) <= MAX_DEPTH and all(segment and "." not in segment for segment in segments)


def _has_index(client_dir: Path, path: str) -> bool:
    return (client_dir / path.strip("/") / "index.html").is_file()
