"""Security headers on every HTTP answer, pages and API alike, and the Content-Security-Policy
the app runs under (browser tests run with it on).

The policy, as the built app needs it (checked by running the e2e suite with it enforced):

- scripts: this origin's files, plus the inline scripts of the page being served, each
  allowed by its SHA-256 (computed from the HTML as it goes out, so a prerendered page and
  the single-page fallback both work) and the app's own inline scripts (`APP_SCRIPTS`).
  No 'unsafe-inline' and no 'unsafe-eval' for scripts: the app does not use Reflex's
  `call_script` (which evaluates strings in the browser).
- styles: 'unsafe-inline', because the compiled components (Emotion, Radix Themes) inject
  style elements and attributes at run time.
- the event socket and fetches go to this origin only (and, with S3, to the bucket the
  product-file uploader sends parts to); images and fonts from this origin
  (and data: URLs, which Radix uses for icons); media from this origin and blob: URLs
  (the online reader's HLS player feeds its video through Media Source Extensions);
  no plugins; no framing by anyone (frame-ancestors 'none'); forms post to this origin only.
- violations are reported to /api/csp-report, which logs them (`csp_report`).

Besides the policy: nosniff, a strict referrer policy, a Permissions-Policy that turns off
device features the shop never uses, COOP same-origin, and HSTS when BASE_URL is https.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
import os
import re
import zlib
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

import brotli
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commerce.config import get_settings

log = logging.getLogger("storefront.csp")

CSP_REPORT_PATH = "/api/csp-report"
MAX_REPORT_BYTES = 16 * 1024
MAX_HTML_BYTES = 4 * 1024 * 1024  # larger pages are sent as they are, with no inline script allowed
# Inline scripts the app's own components render (their SHA-256 is allowed on every page).
APP_SCRIPTS: list[str] = []
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)

BASE_POLICY = (
    "default-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    # blob: the online reader's HLS player feeds the <video> through Media Source Extensions.
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    f"report-uri {CSP_REPORT_PATH}",
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)


def _hash(script: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"


def _storage_origins() -> list[str]:
    """With S3, the product-file uploader sends parts from the browser straight to the bucket."""
    settings = get_settings()
    if not settings.s3_bucket:
        return []
    if settings.s3_endpoint_url:
        parts = urlsplit(settings.s3_endpoint_url)
        return [f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://*.{parts.netloc}"]
    return ["https://*.amazonaws.com"]


def page_policy(inline_scripts: Iterable[bytes]) -> str:
    hashes = sorted({_hash(script) for script in inline_scripts} | {_hash(s.encode()) for s in APP_SCRIPTS})
    script_src = " ".join(["script-src 'self'", *hashes])
    connect_src = " ".join(["connect-src 'self'", *_storage_origins()])
    policy = [
        *BASE_POLICY[:1],
        script_src,
        *(connect_src if d.startswith("connect-src") else d for d in BASE_POLICY[1:]),
    ]
    if get_settings().base_url.startswith("https://"):
        policy.append("upgrade-insecure-requests")
    return "; ".join(policy)


def inline_scripts(html: bytes) -> list[bytes]:
    return [match.group(1) for match in _INLINE_SCRIPT.finditer(html) if match.group(1).strip()]


def _decoded(body: bytes, encoding: str | None) -> bytes:
    """The page as written, from the precompressed copy the build made (gzip or brotli,
    `frontend_compression_formats` in rxconfig.py); nothing when it does not decode, so
    no inline script is allowed."""
    try:
        if encoding == "gzip":
            return gzip.decompress(body)
        if encoding == "br":
            return brotli.decompress(body)
    except (OSError, EOFError, zlib.error, brotli.error):
        return b""
    return body if not encoding or encoding == "identity" else b""


def _page_file_scripts(path: str, encoding: str | None) -> tuple[bytes, ...]:
    """The inline scripts of a page file the server sends by path (the build's pages)."""
    try:
        stat = os.stat(path)
    except OSError:
        return ()
    return _scripts_of_file(path, encoding, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _scripts_of_file(path: str, encoding: str | None, _mtime_ns: int, _size: int) -> tuple[bytes, ...]:
    """Read and decoded once per version of the file (its time and size are the key), not on
    every page load: the read would block the event loop and brotli costs more to undo."""
    try:
        with open(path, "rb") as page_file:
            html = page_file.read(MAX_HTML_BYTES + 1)
    except OSError:
        return ()
    return tuple(inline_scripts(_decoded(html, encoding)[:MAX_HTML_BYTES]))


COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)
HTTPS_HEADERS = (*COMMON_HEADERS, (b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
_COMMON_NAMES = frozenset(name for name, _ in COMMON_HEADERS)
_HTTPS_NAMES = frozenset(name for name, _ in HTTPS_HEADERS)


def _common_headers(headers: MutableHeaders) -> None:
    """Each header set as `headers[name] = value` would (any the route set is replaced), in
    one pass over the answer's headers instead of one per header."""
    https = get_settings().base_url.startswith("https://")
    names = _HTTPS_NAMES if https else _COMMON_NAMES
    raw = headers.raw
    raw[:] = [item for item in raw if item[0] not in names]
    raw.extend(HTTPS_HEADERS if https else COMMON_HEADERS)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []
        buffering = False

        async def send_with_headers(message: Message) -> None:
            nonlocal start, buffering
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                _common_headers(headers)
                if message["status"] == 304 or 300 <= message["status"] < 400:
                    # A 304's headers replace the cached page's: it keeps the policy it was sent with.
                    await send(message)
                    return
                if headers.get("content-type", "").startswith("text/html"):
                    start, buffering = message, True  # the policy needs the page's inline scripts
                    return
                headers["content-security-policy"] = API_POLICY
                await send(message)
                return
            if message["type"] == "http.response.pathsend" and buffering:
                # A file sent by the server itself (zero-copy): its scripts, read once per version.
                buffering = False
                assert start is not None
                headers = MutableHeaders(scope=start)
                scripts = _page_file_scripts(message["path"], headers.get("content-encoding"))
                headers["content-security-policy"] = page_policy(scripts)
                await send(start)
                await send(message)
                return
            if message["type"] == "http.response.body" and buffering:
                chunks.append(message.get("body", b""))
                size = sum(len(chunk) for chunk in chunks)
                if message.get("more_body", False) and size <= MAX_HTML_BYTES:
                    return
                buffering = False
                body = b"".join(chunks)
                assert start is not None
                headers = MutableHeaders(scope=start)
                html = _decoded(body, headers.get("content-encoding"))
                scripts = inline_scripts(html) if size <= MAX_HTML_BYTES else []
                headers["content-security-policy"] = page_policy(scripts)
                await send(start)
                await send({"type": "http.response.body", "body": body, "more_body": message.get("more_body", False)})
                return
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def csp_report(request: Request) -> Response:
    """Where browsers report what the policy blocked: logged, so a page the policy breaks is seen."""
    body = await request.body()
    if len(body) > MAX_REPORT_BYTES:
        return Response(status_code=413)
    try:
        report = json.loads(body or b"{}")
    except ValueError:
        return Response(status_code=400)
    details = report.get("csp-report", report) if isinstance(report, dict) else report
    log.warning("csp-violation %s", json.dumps(details, sort_keys=True)[:2000])
    return Response(status_code=204)


def csp_routes() -> list[Route]:
    return [Route(CSP_REPORT_PATH, csp_report, methods=["POST"])]
