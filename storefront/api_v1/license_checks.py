"""The public license checks, answered without the API app's layers that do nothing for them.

Sellers' software checking keys is most of the API's traffic. Inside the FastAPI app a check
passes the app's own middleware (idempotency and rate-limit headers, neither of which acts on
a request without an API key), two rounds of route matching over every router, and FastAPI's
request handler (dependencies solved for an endpoint that takes only the request): about a
third of the CPU a check costs the server (bench/README.md, the license API section).

`LicenseChecks` stands before the /api/v1 mount (`storefront.api`). A POST to one of the
license router's paths goes to the router's own endpoint (`storefront.api_licenses.endpoint`),
behind the error handling the app would give it: the app's exception handlers (a domain error
is a problem document), its handler for anything unexpected (logged, a 500 problem, then
raised) and FastAPI's exception telemetry. Anything else (another method, a trailing slash,
a request with an Idempotency-Key, which the app's idempotency layer may act on) goes on to
the FastAPI app as before. The metrics' route template is the same either way.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.telemetry._asgi import ExceptionTelemetryMiddleware
from starlette._utils import get_route_path
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import BaseRoute, Match, NoMatchFound, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from storefront.api_v1 import licenses

_IDEMPOTENCY_KEY = b"idempotency-key"


def _has_idempotency_key(scope: Scope) -> bool:
    return any(name == _IDEMPOTENCY_KEY for name, _ in scope["headers"])


class LicenseChecks(BaseRoute):
    """The license router's POST routes under `prefix`, in front of `api`, the app mounted there."""

    def __init__(self, api: FastAPI, prefix: str) -> None:
        self.api = api
        self.routes: dict[str, Route] = {}
        for route in licenses.router.routes:
            assert isinstance(route, APIRoute), route
            assert route.methods == {"POST"}, route
            path = prefix + route.path
            self.routes[path] = Route(path, route.endpoint, methods=["POST"], name=route.name)
        self._stack: ASGIApp | None = None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["method"] == "POST":
            route = self.routes.get(get_route_path(scope))
            if route is not None and not _has_idempotency_key(scope):
                # The route the router records is the endpoint's (its path is the metrics' template).
                return Match.FULL, {"route": route, "endpoint": route.endpoint, "path_params": {}}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: object):
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._stack is None:
            self._stack = self._error_handling(self._answer)
        await self._stack(scope, receive, send)

    @staticmethod
    async def _answer(scope: Scope, receive: Receive, send: Send) -> None:
        await scope["route"].handle(scope, receive, send)

    def _error_handling(self, app: ASGIApp) -> ASGIApp:
        """The error layers of `FastAPI.build_middleware_stack`, with the app's handlers, built on
        first use (as Starlette builds its stack), when every handler is installed."""
        error_handler = None
        handlers = {}
        for key, value in self.api.exception_handlers.items():
            if key in (500, Exception):
                error_handler = value
            else:
                handlers[key] = value
        app = ExceptionMiddleware(app, handlers=handlers, debug=self.api.debug)
        app = ExceptionTelemetryMiddleware(app)
        return ServerErrorMiddleware(app, handler=error_handler, debug=self.api.debug)
