"""`/sitemap.xml` and `/robots.txt`: what crawlers read first.

The sitemap lists every live product, shop and category (`commerce.seo.sitemap`), streamed
in batches as it is read, never built in memory. Up to 50,000 addresses it is one
`<urlset>`; past that `/sitemap.xml` is a sitemap index of `/sitemaps/<section>-<n>.xml`
files of at most 50,000 addresses each. robots.txt points at it and keeps crawlers out of
the private areas (studio, admin, library, account, checkout) and the API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from xml.sax.saxutils import escape

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

import routes
from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.i18n import gettext
from commerce.seo import sitemap
from commerce.seo.sitemap import SitemapEntry, SitemapKind

SITEMAP_PATH = "/sitemap.xml"
PARTS_PATH = "/sitemaps"
XML_TYPE = "application/xml; charset=utf-8"
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Private pages and endpoints: nothing for a search engine there.
DISALLOWED = (
    "/api/",
    routes.SELLER,
    routes.ADMIN,
    routes.LIBRARY,
    routes.ACCOUNT,
    routes.CART,
    routes.ORDERS,
    routes.LOGIN,
    routes.REGISTER,
    routes.NOTIFICATIONS,
    routes.SEARCH,
    routes.ACCESS,
    routes.PASSWORD_RESET,
    "/welcome/",
    "/testpay/",
)


def _base() -> str:
    return get_settings().base_url.rstrip("/")


def _url(entry: SitemapEntry, base: str) -> str:
    modified = f"<lastmod>{entry.modified_at.date().isoformat()}</lastmod>" if entry.modified_at else ""
    return f"<url><loc>{escape(base + entry.path)}</loc>{modified}</url>\n"


def _batch(kind: SitemapKind, after_id: int, size: int) -> list[SitemapEntry]:
    with unit_of_work() as s:
        return sitemap.entries(s, kind, after_id, batch=size)


async def _urls(kind: SitemapKind, after_id: int, limit: int | None, base: str) -> AsyncIterator[str]:
    """One section's addresses above `after_id`, at most `limit` of them, a batch at a time."""
    sent = 0
    while limit is None or sent < limit:
        size = sitemap.BATCH if limit is None else min(sitemap.BATCH, limit - sent)
        batch = await run_in_threadpool(_batch, kind, after_id, size)
        if not batch:
            return
        yield "".join(_url(entry, base) for entry in batch)
        sent += len(batch)
        after_id = batch[-1].id
        if len(batch) < size:
            return


async def _urlset(sections: list[tuple[SitemapKind, int, int | None]]) -> AsyncIterator[str]:
    base = _base()
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NAMESPACE}">\n'
    for kind, after_id, limit in sections:
        async for chunk in _urls(kind, after_id, limit, base):
            yield chunk
    yield "</urlset>\n"


def _index(parts: list[sitemap.SitemapPart]) -> str:
    base = _base()
    files = "".join(
        f"<sitemap><loc>{escape(f'{base}{PARTS_PATH}/{part.kind}-{part.number}.xml')}</loc></sitemap>\n"
        for part in parts
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NAMESPACE}">\n{files}</sitemapindex>\n'


def _plan() -> tuple[int, list[sitemap.SitemapPart]]:
    with unit_of_work() as s:
        total = sitemap.total(s)
        return total, (sitemap.parts(s, sitemap.SITEMAP_LIMIT) if total > sitemap.SITEMAP_LIMIT else [])


async def sitemap_xml(request: Request) -> Response:
    total, parts = await run_in_threadpool(_plan)
    if total > sitemap.SITEMAP_LIMIT:
        return Response(_index(parts), media_type=XML_TYPE)
    return StreamingResponse(_urlset([(kind, 0, None) for kind in SitemapKind]), media_type=XML_TYPE)


def _part_start(kind: SitemapKind, number: int) -> int | None:
    with unit_of_work() as s:
        return sitemap.part_start(s, kind, number, sitemap.SITEMAP_LIMIT)


async def sitemap_part(request: Request) -> Response:
    name = request.path_params["name"]
    kind_name, _, number = name.rpartition("-")
    if kind_name not in set(SitemapKind) or not number.isdigit() or len(number) > 6:
        return PlainTextResponse(gettext("No such sitemap."), status_code=404)
    kind = SitemapKind(kind_name)
    after_id = await run_in_threadpool(_part_start, kind, int(number))
    if after_id is None:
        return PlainTextResponse(gettext("No such sitemap."), status_code=404)
    return StreamingResponse(_urlset([(kind, after_id, sitemap.SITEMAP_LIMIT)]), media_type=XML_TYPE)


async def robots_txt(request: Request) -> Response:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), "", f"Sitemap: {_base()}{SITEMAP_PATH}"]
    return PlainTextResponse("\n".join(lines) + "\n")


def sitemap_routes() -> list[Route]:
    return [
        Route(SITEMAP_PATH, sitemap_xml, methods=["GET", "HEAD"]),
        Route(PARTS_PATH + "/{name}.xml", sitemap_part, methods=["GET", "HEAD"]),
        Route("/robots.txt", robots_txt, methods=["GET", "HEAD"]),
    ]
