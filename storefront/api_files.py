"""HTTP routes that serve stored blobs: signed downloads and public images.

    GET|HEAD /api/files/{key}?exp=..&fn=..[&ct=..]&sig=..
        A product file behind a link from `LocalBlobStore.signed_download_url`
        (with S3 the links point at S3 itself and this route is not used).
        Always an attachment; supports single byte ranges so downloads resume.
    GET|HEAD /api/media/{rest}
        The public image (cover, thumbnail) stored under the key "media/{rest}";
        build the address with `commerce.links.media_url(key)`. Image keys are content-addressed,
        so a response never changes and is cached for a year.

The app mounts `file_routes(provider)`, where `provider()` returns the wired store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from commerce.errors import NotFound, ValidationError
from commerce.i18n import gettext
from commerce.links import MEDIA_KEY_PREFIX, MEDIA_PATH
from commerce.storage.local import LocalBlobStore
from commerce.storage.port import BlobStore, StoredBlob, attachment_disposition, validate_key
from commerce.storage.signing import ExpiredDownloadLink, InvalidDownloadLink

FILES_PATH = "/api/files"
# Formats a browser shows as a picture and nothing else; SVG is left out on
# purpose, since it can carry scripts that would run on this site's origin.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif", "image/avif"})

_LINK_PARAMS = ("exp", "fn", "ct", "sig")
_SINGLE_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)")


class _Unsatisfiable(Exception):
    pass


def file_routes(store_provider: Callable[[], BlobStore]) -> list[Route]:
    async def download(request: Request) -> Response:
        store = store_provider()
        if not isinstance(store, LocalBlobStore):
            return PlainTextResponse(gettext("Not found."), status_code=404)
        query = request.query_params
        if any(len(query.getlist(name)) > 1 for name in _LINK_PARAMS):
            return _refused(gettext("This download link is not valid."), 403)
        try:
            link = store.verify_signed_request(
                request.path_params["key"],
                query.get("exp", ""),
                query.get("fn", ""),
                query.get("sig", ""),
                ct=query.get("ct"),
            )
        except ExpiredDownloadLink as error:
            return _refused(error.message, 410)
        except InvalidDownloadLink as error:
            return _refused(error.message, 403)

        return await serve_blob(request, store, link.key, link.filename, link.content_type)

    async def media(request: Request) -> Response:
        store = store_provider()
        key = MEDIA_KEY_PREFIX + request.path_params["rest"]
        try:
            validate_key(key)
        except ValidationError:
            return _refused(gettext("Not found."), 404)
        located = await run_in_threadpool(_locate, store, key)
        if located is None or located[0].content_type not in IMAGE_TYPES:
            return _refused(gettext("Not found."), 404)
        blob, path = located
        etag = f'"{blob.sha256}"'
        headers = {
            "cache-control": "public, max-age=31536000, immutable",
            "etag": etag,
            "x-content-type-options": "nosniff",
        }
        if _etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        headers["content-type"] = blob.content_type
        return await _send(request, store, blob, path, 0, blob.size, 200, headers)

    return [
        Route(FILES_PATH + "/{key:path}", download, methods=["GET", "HEAD"]),
        Route(MEDIA_PATH + "/{rest:path}", media, methods=["GET", "HEAD"]),
    ]


async def serve_blob(
    request: Request,
    store: BlobStore,
    key: str,
    filename: str,
    content_type: str | None = None,
    *,
    inline: bool = False,
) -> Response:
    """Stream a private blob as an attachment saved as `filename` (or `inline`, for a player
    in the page), honouring one byte range."""
    located = await run_in_threadpool(_locate, store, key)
    if located is None:
        return _refused(gettext("This file is no longer available."), 404)
    blob, path = located
    etag = f'"{blob.sha256}"'
    headers = {
        "content-type": content_type or blob.content_type,
        "content-disposition": "inline" if inline else attachment_disposition(filename),
        "accept-ranges": "bytes",
        "etag": etag,
        "cache-control": "private, no-store",
        "x-content-type-options": "nosniff",
    }
    if_range = request.headers.get("if-range")
    range_header = request.headers.get("range") if if_range in (None, etag) else None
    try:
        byte_range = _parse_range(range_header, blob.size)
    except _Unsatisfiable:
        return Response(
            status_code=416,
            headers={"content-range": f"bytes */{blob.size}", "accept-ranges": "bytes"},
        )
    start, end = byte_range or (0, blob.size)
    status = 200
    if byte_range is not None:
        status = 206
        headers["content-range"] = f"bytes {start}-{end - 1}/{blob.size}"
    return await _send(request, store, blob, path, start, end, status, headers)


def continues_download(request: Request) -> bool:
    """Whether the request resumes a download already started (a range not at byte 0)."""
    match = _SINGLE_RANGE.fullmatch(request.headers.get("range", "").strip())
    return match is not None and match.group(1) not in ("", "0")


def _locate(store: BlobStore, key: str) -> tuple[StoredBlob, Path | None] | None:
    """The blob and, in the local store, the file holding its plain bytes: one trip off the event loop."""
    if isinstance(store, LocalBlobStore):
        return store.locate(key)
    blob = store.stat(key)
    return None if blob is None else (blob, None)


async def _send(
    request: Request,
    store: BlobStore,
    blob: StoredBlob,
    path: Path | None,
    start: int,
    end: int,
    status: int,
    headers: dict[str, str],
) -> Response:
    headers["content-length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)
    if path is not None:
        return FileWindowResponse(path, start, end, blob.size, status_code=status, headers=headers)
    # A sealed or remote object: decrypted chunk by chunk, only the chunks the range touches.
    try:
        chunks: Iterator[bytes] = await run_in_threadpool(store.open_range, blob.key, start, end)
    except (NotFound, ValidationError):
        # Deleted or replaced between the lookup and the read.
        return _refused(gettext("This file is no longer available."), 404)
    return StreamingResponse(chunks, status_code=status, headers=headers)


class FileWindowResponse(Response):
    """Bytes [start, end) of a file on disk holding `size` bytes, sent by the server where it can.

    The whole file goes as an ASGI `http.response.pathsend` when the server offers that
    extension (granian, which `reflex run --env prod` uses, sends it from the file without
    passing the bytes through Python); otherwise, and for a range, the file is read 1 MiB
    at a time off the event loop. The caller has set every header (length, range, type).
    """

    chunk_size = 1024 * 1024

    def __init__(
        self, path: Path, start: int, end: int, size: int, *, status_code: int, headers: dict[str, str]
    ) -> None:
        self.path, self.start, self.end, self.size = path, start, end, size
        self.status_code = status_code
        self.background = None
        self.init_headers(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        whole = self.start == 0 and self.end == self.size
        if whole and "http.response.pathsend" in scope.get("extensions", {}):
            await send({"type": "http.response.pathsend", "path": str(self.path)})
            return
        async with anyio.create_task_group() as group:

            async def stop_when_the_client_leaves() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                group.cancel_scope.cancel()

            group.start_soon(stop_when_the_client_leaves)
            await self._send_window(send)
            group.cancel_scope.cancel()

    async def _send_window(self, send: Send) -> None:
        remaining = self.end - self.start
        async with await anyio.open_file(self.path, "rb") as file:
            await file.seek(self.start)
            while remaining > 0:
                chunk = await file.read(min(self.chunk_size, remaining))
                if not chunk:
                    break  # the file is shorter than its record says: end the response here
                remaining -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": remaining > 0})
        if remaining or self.end == self.start:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


def _parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range asked for, as [start, end), or None to send everything.

    Malformed or multi-part ranges are ignored (RFC 9110 allows it), and the
    client gets the whole file; a range that starts past the end is unsatisfiable.
    """
    match = _SINGLE_RANGE.fullmatch(header.strip()) if header else None
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise _Unsatisfiable
        return max(0, size - suffix), size
    start = int(first)
    if last != "" and int(last) < start:
        return None
    if start >= size:
        raise _Unsatisfiable
    return start, size if last == "" else min(int(last) + 1, size)


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def _refused(message: str, status: int) -> Response:
    # A shared cache must never keep a refusal for a link that works later.
    return PlainTextResponse(message, status_code=status, headers={"cache-control": "no-store"})
