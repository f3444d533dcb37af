"""The v1 FastAPI app: its routers, the error handlers, the middleware, and the document.

To add a group of endpoints (webhook endpoints, say): write a module with an `APIRouter`
like `products.py` and append its router to `ROUTERS`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from starlette.routing import BaseRoute

from commerce.api.schemas import FieldError, Problem
from storefront.api_v1 import (
    customers,
    discount_codes,
    license_keys,
    licenses,
    orders,
    problems,
    products,
    reference,
    webhook_endpoints,
)
from storefront.api_v1.idempotency import IdempotencyMiddleware
from storefront.api_v1.ratelimit_headers import RateLimitHeadersMiddleware

PATH = "/api/v1"
ROUTERS: list[APIRouter] = [
    products.router,
    orders.router,
    customers.router,
    license_keys.router,
    discount_codes.router,
    webhook_endpoints.router,
    licenses.router,
    reference.router,
]
DESCRIPTION = """The seller REST API. Authenticate with an API key from the studio's Developers page
(`Authorization: Bearer mp_…`); each key has scopes (read or write per resource).

- Lists are paged with cursors: pass `next_cursor` back as `cursor`; `null` means the last page.
- Every POST takes an `Idempotency-Key`: the same key and body answer the first answer again.
- Each key may send 120 requests a minute (`RateLimit` and `RateLimit-Policy` headers;
  429 with `Retry-After` beyond).
- Errors are `application/problem+json` (RFC 9457), with `errors` listing fields.
- Times are UTC, ISO 8601; money is an integer amount of minor units and a currency.

The license API (`/licenses/...`) is public: sellers' software calls it with a buyer's key.
"""
EXTRA_SCHEMAS: tuple[type[BaseModel], ...] = (Problem, FieldError, *licenses.SCHEMAS)


def _in_document_order(routes: list[BaseRoute]) -> list[BaseRoute]:
    """The app's own routes, then each included router's in the order of ROUTERS."""

    def position(route: BaseRoute) -> int:
        router = getattr(route, "original_router", None)
        return ROUTERS.index(router) + 1 if router in ROUTERS else 0

    return sorted(routes, key=position)


def create_app() -> FastAPI:
    app = FastAPI(
        title="Marketplace seller API",
        version="1",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        servers=[{"url": PATH}],
    )
    # FastAPI tries the included routers in order, every route of each (and twice: once to
    # pick the router, once inside it); the public license checks are most of the traffic,
    # so their router goes first. No other router's prefix overlaps /licenses, so the order
    # changes no answer; the document keeps the order of ROUTERS.
    for router in sorted(ROUTERS, key=lambda router: router is not licenses.router):
        app.include_router(router)
    problems.install(app)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(RateLimitHeadersMiddleware)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version="3.1.0",
                description=app.description,
                routes=_in_document_order(app.routes),
                servers=app.servers,
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for model in EXTRA_SCHEMAS:
                definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, nested in definition.pop("$defs", {}).items():
                    schemas.setdefault(name, nested)
                schemas.setdefault(model.__name__, definition)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
