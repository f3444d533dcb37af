"""Who may read this site's responses from another origin (CORS).

Reflex's own CORS middleware, with its default origin list `*` and credentials allowed,
echoes any `Origin` back with `Access-Control-Allow-Credentials: true`: any web page
could read a signed-in person's responses. This policy replaces it on every layer
Reflex adds it to (`install()` swaps `rx.App._add_cors`, the one place it is added):

- The public license API (`/api/v1/licenses/...`) answers any origin, never with
  credentials: sellers' software and web pages call it with a key, not a cookie.
- Everything else (cookie-authenticated routes, uploads, the event socket's polling)
  is shared only with the site's own origin: the origin the request was addressed to
  and `BASE_URL`'s (the app serves its pages and its backend on one port).

The websocket is checked the same way by Socket.IO (`socket_origin_allowed`).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commerce.config import get_settings
from storefront.api_licenses import LICENSES_PATH

PUBLIC_PREFIXES = (LICENSES_PATH + "/",)
PUBLIC_METHODS = "GET, POST, OPTIONS"
PUBLIC_HEADERS = "content-type"
PREFLIGHT_MAX_AGE = "600"
_CORS_HEADERS = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "access-control-max-age",
)


def _origin_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def configured_origins() -> set[str]:
    """The site's own origin from the settings (BASE_URL), besides the one a request is addressed to."""
    origin = _origin_of(get_settings().base_url)
    return {origin} if origin else set()


def request_origin(scheme: str, host: str | None) -> str | None:
    """The origin a request was addressed to (its scheme and Host header)."""
    return f"{scheme}://{host}".lower() if host else None


def own_origin(origin: str | None, scheme: str, host: str | None, extra: Iterable[str] = ()) -> bool:
    if not origin:
        return False
    origin = origin.lower()
    return origin == request_origin(scheme, host) or origin in configured_origins() or origin in set(extra)


def socket_origin_allowed(origin: str | None, environ: dict) -> bool:
    """For Socket.IO's `cors_allowed_origins`: the event socket is for the site's own pages only."""
    if origin is None:
        return True  # not a browser page (a browser always sends Origin on a websocket)
    scheme = environ.get("wsgi.url_scheme", "http")
    forwarded = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
    hosts = {environ.get("HTTP_HOST"), environ.get("HTTP_X_FORWARDED_HOST", "").split(",")[0].strip() or None}
    return any(own_origin(origin, s, h) for s in {scheme, forwarded} for h in hosts if h)


def _origin_header(scope: Scope) -> str | None:
    # Most requests carry no Origin: one pass over the raw headers (ASGI names are lowercase),
    # where `Headers(scope).get` would build a mapping and raise and catch a KeyError.
    for name, value in scope["headers"]:
        if name == b"origin":
            return value.decode("latin-1")
    return None


class SiteCORSMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = _origin_header(scope)
        if origin is None:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        public = scope["path"].startswith(PUBLIC_PREFIXES)
        preflight = scope["method"] == "OPTIONS" and "access-control-request-method" in headers
        allowed = public or own_origin(origin, scope.get("scheme", "http"), headers.get("host"))
        if preflight:
            await self._preflight(public, allowed, origin, headers)(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name in _CORS_HEADERS:
                    del response_headers[name]
                response_headers.add_vary_header("Origin")
                if public:
                    response_headers["access-control-allow-origin"] = "*"
                elif allowed:
                    response_headers["access-control-allow-origin"] = origin
                    response_headers["access-control-allow-credentials"] = "true"
            await send(message)

        await self.app(scope, receive, send_with_policy)

    @staticmethod
    def _preflight(public: bool, allowed: bool, origin: str, headers: Headers) -> Response:
        if not allowed:
            return PlainTextResponse(
                "This origin may not call this address.", status_code=403, headers={"vary": "Origin"}
            )
        if public:
            return Response(
                status_code=204,
                headers={
                    "access-control-allow-origin": "*",
                    "access-control-allow-methods": PUBLIC_METHODS,
                    "access-control-allow-headers": PUBLIC_HEADERS,
                    "access-control-max-age": PREFLIGHT_MAX_AGE,
                    "vary": "Origin",
                },
            )
        return Response(
            status_code=204,
            headers={
                "access-control-allow-origin": origin,
                "access-control-allow-credentials": "true",
                "access-control-allow-methods": headers.get("access-control-request-method", "GET"),
                "access-control-allow-headers": headers.get("access-control-request-headers", ""),
                "access-control-max-age": PREFLIGHT_MAX_AGE,
                "vary": "Origin",
            },
        )


def install(app_class: type, app: object) -> None:
    """Replace Reflex's CORS middleware with this policy, and restrict the event socket.

    Reflex 0.10 adds its middleware through the static `App._add_cors(api)` on each
    Starlette layer when the ASGI app is built; that is the one hook to replace.
    """

    def add_site_cors(api) -> None:
        api.add_middleware(SiteCORSMiddleware)

    app_class._add_cors = staticmethod(add_site_cors)  # type: ignore[attr-defined]
    sio = getattr(app, "sio", None)
    if sio is not None:
        sio.eio.cors_allowed_origins = socket_origin_allowed
        sio.eio.cors_credentials = True
