"""The buyer's downloads: GET|HEAD /api/download/{fulfilment}/{file}/{name}?exp=..&sig=..

The link comes from `commerce.delivery.downloads.mint_link` (the library's
download button). The signature and expiry are checked here; the database
decides the rest at every request (access not revoked, the browser's session is
the buyer's, the download limit). With local storage the bytes stream from here
with Range support; with S3 the response redirects to a presigned URL that lives
one minute, already counted and logged.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

import routes
from commerce.analytics.capture import record_download
from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.delivery import downloads, links
from commerce.delivery.downloads import AccessRevoked, CopyNotReady, DownloadLimitReached, NotYourLink
from commerce.delivery.online_only import OnlineOnly
from commerce.i18n import gettext
from commerce.storage.local import LocalBlobStore
from commerce.storage.port import BlobStore
from storefront.api_files import continues_download, serve_blob
from storefront.client_address import client_address

# The presigned URL only has to survive the redirect.
S3_REDIRECT_LIFETIME = timedelta(minutes=1)
_STATUS = {
    links.ExpiredLink: 410,
    AccessRevoked: 403,
    NotYourLink: 403,
    DownloadLimitReached: 429,
    CopyNotReady: 409,
    links.InvalidLink: 403,
}


def _online_only(request: Request, error: OnlineOnly) -> Response:
    """A download of an online-only file: 403 with the reason, as JSON for a client that
    asks for it and as a small page (with the way to the library) for a browser."""
    headers = {"cache-control": "no-store"}
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"error": "online_only", "detail": error.message}, status_code=403, headers=headers)
    page = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>View online only</title>"
        f"<h1>View online only</h1><p>{html.escape(error.message)}</p>"
        f'<p><a href="{routes.LIBRARY}">Open your library</a></p></html>'
    )
    return HTMLResponse(page, status_code=403, headers=headers)


def _authorise(request: Request, counts: bool) -> downloads.DownloadTicket:
    params = request.path_params
    query = request.query_params
    if any(len(query.getlist(name)) > 1 for name in ("exp", "sig", "by")):
        raise links.InvalidLink(gettext("This download link is not valid. Open your library to get a new one."))
    link = links.verify(
        get_settings().secret_key,
        params["fulfilment_id"],
        params["file_id"],
        query.get("exp", ""),
        query.get("sig", ""),
        by=query.get("by", ""),
    )
    with unit_of_work() as s:
        ticket = downloads.authorise(
            s,
            link,
            session_token=request.cookies.get(routes.SESSION_COOKIE),
            counts=counts,
            ip=client_address(request),
            user_agent=request.headers.get("user-agent"),
        )
        if counts:
            record_download(s, link.file_id, request.headers.get("user-agent"))
        return ticket


def _whole_file_instead(request: Request, store: BlobStore, key: str) -> bool:
    """Whether a range request will be answered with the whole file: its If-Range names
    another version of the file (with S3 the entity tag is S3's, so any If-Range counts)."""
    if_range = request.headers.get("if-range")
    if if_range is None:
        return False
    if not isinstance(store, LocalBlobStore):
        return True
    blob = store.stat(key)
    return blob is None or if_range != f'"{blob.sha256}"'


def download_routes(store_provider: Callable[[], BlobStore]) -> list[Route]:
    async def download(request: Request) -> Response:
        counts = request.method == "GET" and not continues_download(request)
        store = store_provider()
        try:
            ticket = await run_in_threadpool(_authorise, request, counts)
            if not counts and await run_in_threadpool(_whole_file_instead, request, store, ticket.blob_key):
                # An If-Range that does not match turns the answer into the whole file: a new download.
                ticket = await run_in_threadpool(_authorise, request, True)
        except OnlineOnly as error:
            return _online_only(request, error)
        except tuple(_STATUS) as error:
            status = next(code for kind, code in _STATUS.items() if isinstance(error, kind))
            return PlainTextResponse(error.message, status_code=status, headers={"cache-control": "no-store"})
        if isinstance(store, LocalBlobStore):
            return await serve_blob(request, store, ticket.blob_key, ticket.filename, ticket.content_type)
        url = await run_in_threadpool(
            store.signed_download_url,
            ticket.blob_key,
            filename=ticket.filename,
            expires_in=S3_REDIRECT_LIFETIME,
            content_type=ticket.content_type,
        )
        return RedirectResponse(url, status_code=303, headers={"cache-control": "no-store"})

    return [Route(links.DOWNLOAD_PATH + "/{fulfilment_id}/{file_id}/{filename}", download, methods=["GET", "HEAD"])]
