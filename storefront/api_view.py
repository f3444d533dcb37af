"""The online reader's images and streams: GET|HEAD /api/view/{fulfilment}/{file}/{part}?exp=..&sig=..

`part` is `page-<n>` (a PDF page rendered as a watermarked WebP), `stream` (an
audio or video file, inline, with Range support, its bytes passed through this app
whatever the storage: no storage URL of the original is ever handed to the browser),
`hls` (a video's HLS playlist, written for this request with every segment a signed
link of this route) or `hls-<n>` (one MPEG-TS segment, passed through like the stream).
Links come from `commerce.delivery.viewing` and are bound to the browser's session;
each request is checked against the purchase, so a refund stops it at once.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

import routes
from commerce.db import unit_of_work
from commerce.delivery import view_links, viewing
from commerce.delivery.downloads import AccessRevoked
from commerce.errors import NotFound, ValidationError
from commerce.i18n import gettext
from commerce.storage.port import BlobStore
from storefront.api_files import serve_blob

_STATUS = {
    view_links.ExpiredViewLink: 410,
    view_links.InvalidViewLink: 403,
    AccessRevoked: 403,
    NotFound: 404,
    ValidationError: 422,
}
# The images are personal (the buyer's licence line) and the links short-lived: never stored.
_PRIVATE = {"cache-control": "private, no-store", "x-content-type-options": "nosniff"}


def _authorise(request: Request) -> viewing.ViewTicket:
    query = request.query_params
    if any(len(query.getlist(name)) > 1 for name in ("exp", "sig")):
        raise view_links.InvalidViewLink(gettext(view_links.NOT_VALID_HERE))
    params = request.path_params
    with unit_of_work() as s:
        return viewing.authorise(
            s,
            params["fulfilment_id"],
            params["file_id"],
            params["part"],
            query.get("exp", ""),
            query.get("sig", ""),
            session_token=request.cookies.get(routes.SESSION_COOKIE),
        )


def view_routes(store_provider: Callable[[], BlobStore]) -> list[Route]:
    async def view(request: Request) -> Response:
        store = store_provider()
        try:
            ticket = await run_in_threadpool(_authorise, request)
            if ticket.page:
                image = await run_in_threadpool(viewing.page_image, ticket, store)
                return Response(b"" if request.method == "HEAD" else image, media_type="image/webp", headers=_PRIVATE)
            if ticket.playlist:
                text = await run_in_threadpool(viewing.playlist, ticket, store)
                body = b"" if request.method == "HEAD" else text.encode()
                return Response(body, media_type=ticket.content_type, headers=_PRIVATE)
        except tuple(_STATUS) as error:
            status = next(code for kind, code in _STATUS.items() if isinstance(error, kind))
            return PlainTextResponse(error.message, status_code=status, headers={"cache-control": "no-store"})
        return await serve_blob(request, store, ticket.blob_key, ticket.filename, ticket.content_type, inline=True)

    return [
        Route(view_links.VIEW_PATH + "/{fulfilment_id}/{file_id}/{part}", view, methods=["GET", "HEAD"]),
    ]
