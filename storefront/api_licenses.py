"""The public license API for sellers' software (documented in docs/license-api.md).

    POST /api/v1/licenses/validate    {"product_id", "key", "instance"?}
    POST /api/v1/licenses/activate    {"product_id", "key", "instance"}
    POST /api/v1/licenses/deactivate  {"product_id", "key", "instance"}

Every known outcome is HTTP 200 with a "status" in the body; a malformed request
is 422, too many requests 429 (with Retry-After).
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from commerce.db import unit_of_work
from commerce.errors import RateLimited, ValidationError
from commerce.licensing import api as license_api
from storefront.client_address import client_address
from storefront.transaction_threads import LICENSE_CHECKS

LICENSES_PATH = "/api/v1/licenses"
MAX_BODY_BYTES = 4096
_HEADERS = {"cache-control": "no-store"}


def _call(action, body: dict, client_id: str) -> license_api.LicenseAnswer:
    # A check reads, and writes at most one atomic statement: no transaction round trips.
    with unit_of_work(autocommit=action is license_api.validate) as s:
        return action(
            s,
            product_id=body.get("product_id"),
            key=body.get("key"),
            instance=body.get("instance"),
            client_id=client_id,
        )


def endpoint(action):
    async def handle(request: Request) -> JSONResponse:
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            return JSONResponse({"error": "The request body is too large."}, status_code=413, headers=_HEADERS)
        try:
            body = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return JSONResponse(
                {"error": "Send a JSON object with product_id and key."}, status_code=422, headers=_HEADERS
            )
        client_id = client_address(request)
        try:
            answer = await LICENSE_CHECKS.run(_call, action, body, client_id)
        except ValidationError as error:
            return JSONResponse({"error": error.message, "field": error.field}, status_code=422, headers=_HEADERS)
        except RateLimited as error:
            return JSONResponse(
                {"status": "rate_limited", "error": error.message},
                status_code=429,
                headers={**_HEADERS, "retry-after": "60"},
            )
        return JSONResponse(answer.as_json(), headers=_HEADERS)

    return handle


def license_routes() -> list[Route]:
    return [
        Route(f"{LICENSES_PATH}/validate", endpoint(license_api.validate), methods=["POST"]),
        Route(f"{LICENSES_PATH}/activate", endpoint(license_api.activate), methods=["POST"]),
        Route(f"{LICENSES_PATH}/deactivate", endpoint(license_api.deactivate), methods=["POST"]),
    ]
