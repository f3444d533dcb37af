"""Product files sent by the browser in parts (Uppy's AWS S3 uploader, Companion's protocol).

    POST   /api/uploads/products/{product}/s3/multipart                       open: {key, uploadId}
    GET    /api/uploads/products/{product}/s3/multipart/{upload}/{n}?key=     {url} to PUT part n to
    GET    /api/uploads/products/{product}/s3/multipart/{upload}?key=         parts landed so far
    POST   /api/uploads/products/{product}/s3/multipart/{upload}/complete?key=   join, check, list the file
    DELETE /api/uploads/products/{product}/s3/multipart/{upload}?key=         cancel
    PUT    /api/uploads/parts/{upload}/{n}?key=&exp=&sig=                     a part, local store only

The browser's session cookie says who asks; `commerce.catalog.direct_uploads` checks that
the seller owns the product and that the upload's ticket (`key`) was issued to them. With
S3, parts go to the bucket's presigned URLs and never through this process; with the
local store, the part route streams each part to its place on disk as it arrives.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import routes
from commerce import accounts
from commerce.accounts import SessionGrant
from commerce.actor import Actor
from commerce.catalog import direct_uploads
from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.errors import Conflict, DomainError, NotFound, PermissionDenied, RateLimited
from commerce.i18n import gettext
from commerce.kit.ids import parse_id
from commerce.storage.local import LocalBlobStore
from commerce.storage.port import BlobStore
from commerce.storage.signing import ExpiredDownloadLink

log = logging.getLogger(__name__)
# Bytes gathered from the request before one write to disk (a thread hop each).
_WRITE_BATCH = 1024 * 1024
_MAX_JSON_BODY = 256 * 1024


def _status(error: DomainError) -> int:
    if isinstance(error, ExpiredDownloadLink):
        return 410
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, RateLimited):
        return 429
    return 400


def _refused(error: DomainError) -> JSONResponse:
    return JSONResponse({"error": error.message}, status_code=_status(error), headers={"Cache-Control": "no-store"})


def _resume(token: str) -> tuple[Actor, SessionGrant | None]:
    with unit_of_work() as s:
        grant = accounts.resume_session(s, token) if token else None
    return (grant.actor, grant) if grant is not None else (Actor.anonymous(), None)


def _keep_session(response: Response, token: str, grant: SessionGrant | None) -> Response:
    """A session due for refresh got a new token: hand it to the browser as the pages would."""
    if grant is not None and grant.token != token:
        settings = get_settings()
        response.set_cookie(
            routes.SESSION_COOKIE,
            grant.token,
            max_age=settings.session_days * 24 * 60 * 60,
            path="/",
            samesite="lax",
            secure=settings.base_url.startswith("https://"),
            httponly=True,
        )
    return response


async def _json_body(request: Request) -> dict[str, Any]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_JSON_BODY:
            raise _BadRequest(gettext("The request is too large."))
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise _BadRequest(gettext("The request is not JSON.")) from None
    if not isinstance(data, dict):
        raise _BadRequest(gettext("The request is not a JSON object."))
    return data


class _BadRequest(DomainError):
    pass


def _seller_endpoint(work: Callable[[Request, Actor, dict[str, Any]], Any], *, with_body: bool = False):
    """An endpoint run as the session's actor: `work` runs in a worker thread and its
    answer is sent as JSON; a refusal is a JSON {"error"} with its status."""

    async def endpoint(request: Request) -> Response:
        token = request.cookies.get(routes.SESSION_COOKIE, "")
        actor, grant = await run_in_threadpool(_resume, token)
        if not actor.is_signed_in:
            return _refused(PermissionDenied(gettext("Sign in to upload files.")))
        try:
            body = await _json_body(request) if with_body else {}
            answer = await run_in_threadpool(work, request, actor, body)
        except DomainError as error:
            return _keep_session(_refused(error), token, grant)
        return _keep_session(JSONResponse(answer, headers={"Cache-Control": "no-store"}), token, grant)

    return endpoint


def upload_routes(store: Callable[[], BlobStore]) -> list[Route]:
    def start(request: Request, actor: Actor, body: dict[str, Any]) -> dict[str, str]:
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        filename = body.get("filename")
        with unit_of_work() as s:
            ticket = direct_uploads.start_file_upload(
                s,
                actor,
                parse_id(request.path_params["product_id"]) or 0,
                filename=filename if isinstance(filename, str) else "",
                size=metadata.get("size"),
                store=store(),
            )
        return {"key": ticket.key, "uploadId": ticket.upload_id}

    def sign_part(request: Request, actor: Actor, body: dict[str, Any]) -> dict[str, str]:
        url = direct_uploads.file_upload_part_url(
            actor,
            request.query_params.get("key", ""),
            request.path_params["upload_id"],
            request.path_params["part_number"],
            store=store(),
        )
        return {"url": url}

    def list_parts(request: Request, actor: Actor, body: dict[str, Any]) -> list[dict[str, Any]]:
        with unit_of_work() as s:
            parts = direct_uploads.file_upload_parts(
                s, actor, request.query_params.get("key", ""), request.path_params["upload_id"], store=store()
            )
        return [{"PartNumber": part.number, "Size": part.size, "ETag": f'"{part.etag}"'} for part in parts]

    def complete(request: Request, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
        parts = body.get("parts")
        client_etags: dict[int, str] | None = None
        if isinstance(parts, list):
            client_etags = {
                part["PartNumber"]: str(part.get("ETag", ""))
                for part in parts
                if isinstance(part, dict) and isinstance(part.get("PartNumber"), int)
            }
        key = request.query_params.get("key", "")
        with unit_of_work() as s:
            view = direct_uploads.complete_file_upload(
                s, actor, key, request.path_params["upload_id"], client_etags=client_etags, store=store()
            )
        return {"location": routes.fill(routes.SELLER_PRODUCT, edit_product_id=str(view.id)), "key": key}

    def abort(request: Request, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
        direct_uploads.abort_file_upload(
            actor, request.query_params.get("key", ""), request.path_params["upload_id"], store=store()
        )
        return {}

    async def put_part(request: Request) -> Response:
        """One part for the local store, checked against its signed URL, streamed to disk."""
        local = store()
        if not isinstance(local, LocalBlobStore):
            return _refused(NotFound(gettext("Parts go straight to the bucket.")))
        upload_id = request.path_params["upload_id"]
        number = parse_id(request.path_params["part_number"]) or 0
        query = request.query_params
        key = query.get("key", "")
        try:
            local.verify_part_request(key, upload_id, number, query.get("exp", ""), query.get("sig", ""))
            writer = await run_in_threadpool(local.part_writer, key, upload_id, number)
        except DomainError as error:
            return _refused(error)
        declared = request.headers.get("content-length")
        try:
            if declared is not None and (not declared.isdigit() or int(declared) != writer.size):
                raise _BadRequest(
                    gettext("Part {number} must be exactly {size} bytes.", number=number, size=writer.size)
                )
            batch = bytearray()
            async for chunk in request.stream():
                batch += chunk
                if len(batch) >= _WRITE_BATCH:
                    await run_in_threadpool(writer.write, bytes(batch))
                    batch.clear()
            if batch:
                await run_in_threadpool(writer.write, bytes(batch))
            part = await run_in_threadpool(writer.finish)
        except DomainError as error:
            writer.close()
            return _refused(error)
        except BaseException:
            writer.close()
            raise
        return Response(status_code=200, headers={"ETag": f'"{part.etag}"', "Cache-Control": "no-store"})

    base = routes.UPLOADS + "/{product_id}/s3/multipart"
    return [
        Route(base, _seller_endpoint(start, with_body=True), methods=["POST"]),
        Route(base + "/{upload_id}/complete", _seller_endpoint(complete, with_body=True), methods=["POST"]),
        Route(base + "/{upload_id}/{part_number}", _seller_endpoint(sign_part), methods=["GET"]),
        Route(base + "/{upload_id}", _seller_endpoint(list_parts), methods=["GET"]),
        Route(base + "/{upload_id}", _seller_endpoint(abort), methods=["DELETE"]),
        Route(routes.UPLOAD_PARTS + "/{upload_id}/{part_number}", put_part, methods=["PUT"]),
    ]
