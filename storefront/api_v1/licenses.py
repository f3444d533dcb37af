"""The public license API (docs/license-api.md) as part of the v1 document: the same handlers
as before (`storefront.api_licenses.endpoint`), at the same paths, with no API key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from commerce.licensing import api as license_api
from storefront.api_licenses import endpoint


class LicenseCheck(BaseModel):
    product_id: int = Field(ge=1, le=2**53 - 1, description="The product's number.")
    key: str = Field(min_length=1, max_length=200, description="The license key as the buyer typed it.")
    instance: str | None = Field(
        default=None, max_length=200, description="This installation (required to activate or deactivate)."
    )


class Counted(BaseModel):
    used: int | None = None
    limit: int | None = None


class Usage(BaseModel):
    count: int | None = None
    limit: int | None = None


class LicenseAnswer(BaseModel):
    status: str = Field(description="valid, expired, revoked, limit_reached or not_found.")
    message: str
    expires_at: str | None = Field(default=None, description="ISO 8601, UTC.")
    activations: Counted | None = None
    usage: Usage | None = None
    instance_active: bool | None = None


class LicenseError(BaseModel):
    error: str
    field: str | None = None
    status: str | None = None


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LicenseError"}}},
    }


router = APIRouter(prefix="/licenses", tags=["License API (public)"])
_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LicenseCheck"}}},
    },
    "security": [],
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Every known outcome, with its status.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LicenseAnswer"}}},
    },
    405: _error("Only POST."),
    413: _error("The body is larger than 4 KB."),
    422: _error("Not a JSON object with product_id and key."),
    429: _error("Too many checks from this address or of this key; see Retry-After."),
}
for _name, _action, _summary in (
    ("validate", license_api.validate, "Validate a license key"),
    ("activate", license_api.activate, "Activate a license key on an instance"),
    ("deactivate", license_api.deactivate, "Deactivate a license key on an instance"),
):
    router.add_api_route(
        f"/{_name}",
        endpoint(_action),
        methods=["POST"],
        summary=_summary,
        description="Public: sellers' software calls it with the buyer's key; no API key. See docs/license-api.md.",
        response_model=None,
        responses=_RESPONSES,
        openapi_extra=_DOC,
    )

# Models only referenced from the hand-written parts of the document above.
SCHEMAS: tuple[type[BaseModel], ...] = (LicenseCheck, LicenseAnswer, LicenseError)
