"""The scripts of a page the build did not write, named in its document.

The build writes a document for each fixed address; a product, shop or category page
(`/p/…`, `/s/…`, `/c/…`) is answered with the build's fallback document, which loads the app's
shared scripts but not the page's own. The router finds out which page it is only once those
scripts have run, then asks for the page's module and what it imports: one more round trip
before the page can render (0.4 s after the document unthrottled, bench/lighthouse; on a
phone's connection a latency and a download more). `with_route_modules` names them in the
document as module preloads, so the browser fetches them with the shared ones.

The modules come from the router's manifest (`/assets/manifest-<hash>.js`, which the document
imports), read once per version of the file.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

_MANIFEST = re.compile(rb'import "/assets/(manifest-[\w-]+\.js)"')
_MANIFEST_VALUE = re.compile(r"^\s*window\.__reactRouterManifest\s*=\s*(\{.*\})\s*;?\s*$", re.DOTALL)
_PRELOADED = re.compile(rb'<link rel="modulepreload" href="([^"]+)"')
_HEAD_CLOSE = re.compile(rb"</head>", re.IGNORECASE)


def with_route_modules(document: bytes, path: str, client_dir: Path) -> bytes:
    """The document with module preloads of the page's own scripts at `path`, before the end
    of its head; unchanged when the manifest or the route is not found."""
    manifest = _MANIFEST.search(document)
    close = _HEAD_CLOSE.search(document)
    if manifest is None or close is None:
        return document
    file = client_dir / "assets" / manifest.group(1).decode()
    try:
        stat = file.stat()
    except OSError:
        return document
    routes = _routes(str(file), stat.st_mtime_ns, stat.st_size)
    modules = _modules_at(routes, path)
    preloaded = set(_PRELOADED.findall(document))
    links = "".join(
        f'<link rel="modulepreload" href="{module}"/>' for module in modules if module.encode() not in preloaded
    )
    return document[: close.start()] + links.encode() + document[close.start() :]


@functools.lru_cache(maxsize=4)
def _routes(file: str, _mtime_ns: int, _size: int) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """Each page route of the manifest: its path's segments and its modules (its own first)."""
    match = _MANIFEST_VALUE.match(Path(file).read_text(encoding="utf-8"))
    if match is None:
        return ()
    routes = json.loads(match.group(1)).get("routes", {})
    return tuple(
        (_segments(route["path"]), (route["module"], *route.get("imports", ())))
        for route in routes.values()
        if route.get("path") and route.get("module")
    )


def _segments(path: str) -> tuple[str, ...]:
    return tuple(segment for segment in path.split("/") if segment)


def _modules_at(routes: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...], path: str) -> tuple[str, ...]:
    """The modules of the route matching `path`, the one with the most fixed segments."""
    segments = _segments(path)
    best: tuple[int, tuple[str, ...]] = (-1, ())
    for pattern, modules in routes:
        if len(pattern) != len(segments):
            continue
        fixed = 0
        for expected, actual in zip(pattern, segments, strict=True):
            if expected.startswith(":"):
                continue
            if expected != actual:
                break
            fixed += 1
        else:
            best = max(best, (fixed, modules))
    return best[1]
