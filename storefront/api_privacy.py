"""A person's data export: GET|HEAD /api/privacy/exports/{id}

Offered on the account page once the export job has built it. The browser's session
cookie must belong to the person who asked (checked in `privacy.exports.open_export`),
and the export must not have expired; the ZIP then streams from the blob store (with
S3, through a presigned URL that lives one minute).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

import routes
from commerce.accounts.service import session_user_id
from commerce.db import unit_of_work
from commerce.errors import NotFound
from commerce.i18n import gettext
from commerce.privacy import exports
from commerce.storage.local import LocalBlobStore
from commerce.storage.port import BlobStore
from storefront.api_files import serve_blob

S3_REDIRECT_LIFETIME = timedelta(minutes=1)
_NO_STORE = {"cache-control": "no-store"}


def _open(token: str, request_id: int) -> exports.ExportFile:
    with unit_of_work() as s:
        return exports.open_export(s, session_user_id(s, token), request_id)


def privacy_routes(store_provider: Callable[[], BlobStore]) -> list[Route]:
    async def download(request: Request) -> Response:
        raw = request.path_params["request_id"]
        if not raw.isdigit() or len(raw) > 12:
            return PlainTextResponse(gettext("This export does not exist."), status_code=404, headers=_NO_STORE)
        token = request.cookies.get(routes.SESSION_COOKIE, "")
        if not token:
            return PlainTextResponse(gettext("Sign in to download your data."), status_code=401, headers=_NO_STORE)
        try:
            file = await run_in_threadpool(_open, token, int(raw))
        except NotFound as error:
            return PlainTextResponse(error.message, status_code=404, headers=_NO_STORE)
        store = store_provider()
        if isinstance(store, LocalBlobStore):
            return await serve_blob(request, store, file.blob_key, file.filename, exports.EXPORT_CONTENT_TYPE)
        url = await run_in_threadpool(
            store.signed_download_url,
            file.blob_key,
            filename=file.filename,
            expires_in=S3_REDIRECT_LIFETIME,
            content_type=exports.EXPORT_CONTENT_TYPE,
        )
        return RedirectResponse(url, status_code=303, headers=_NO_STORE)

    return [Route(routes.PRIVACY_EXPORT + "/{request_id}", download, methods=["GET", "HEAD"])]
