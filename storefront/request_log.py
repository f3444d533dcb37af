"""Every HTTP request the backend answers: its metrics, its log line and its request id.

The outermost middleware of the API app (`storefront/api.py`), so it sees the final
status of every route, the Reflex backend's own endpoints and the pages it serves. The
route is the matched template (`/api/download/{fulfilment_id}/{file_id}/{filename}`),
never the raw path, which can hold ids and secrets (`/access/<token>`); a path no route
matched is "unmatched". An incoming X-Request-ID (what a load balancer or a caller
sets) is kept when it is a plain short token, otherwise one is made; either way it is
on every line logged while serving the request and echoed in the response.
"""

from __future__ import annotations

import logging
import re
import uuid
from time import perf_counter

from starlette.datastructures import MutableHeaders
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commerce.observability import errors, logs, metrics

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Probes come every few seconds from every balancer: counted, but logged only at DEBUG.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/ping"})

LOGGER = "commerce.http"
log = logs.get_logger(LOGGER)


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER.encode():
            incoming = value.decode("latin-1")
            if _REQUEST_ID.fullmatch(incoming):
                return incoming
            break
    return uuid.uuid4().hex


def route_template(scope: Scope, root_path: str) -> str:
    """The template of the route that answered (routers record it in the shared scope)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "unmatched"
    # A mounted app (the /api/v1 FastAPI app, the Reflex backend) matched below its prefix.
    prefix = scope.get("root_path", "")[len(root_path) :]
    if isinstance(route, Mount):
        return f"{prefix}{path}/{{path}}"
    return f"{prefix}{path}" or "/"


class RequestObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        root_path = scope.get("root_path", "")
        status = 500  # what the server answers if the app raises before starting a response

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        start = perf_counter()
        with logs.scope(request_id=request_id) as closing:
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as error:
                errors.report(error)
                raise
            finally:
                seconds = perf_counter() - start
                route = route_template(scope, root_path)
                method = scope["method"] if scope["method"] in _METHODS else "OTHER"
                metrics.HTTP_REQUESTS.labels(route, method, str(status)).inc()
                metrics.HTTP_DURATION.labels(route, method).observe(seconds)
                level = logging.DEBUG if scope["path"] in QUIET_PATHS else logging.INFO
                # A line below the configured level would be built (timestamp, redaction, every
                # processor) and then dropped: the probes' lines are skipped before any of that.
                if logs.enabled_for(LOGGER, level):
                    log.log(
                        level,
                        "http_request",
                        **closing,
                        method=method,
                        route=route,
                        status=status,
                        duration_ms=round(seconds * 1000, 1),
                    )
