"""/license-keys: the shop's keys (masked), imports, disabling, activations."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from commerce.actor import Actor
from commerce.api import license_keys, schemas
from commerce.api.scopes import Access, Resource
from storefront.api_v1.auth import acting
from storefront.api_v1.common import IDEMPOTENT, Cursor, Id, Limit, run
from storefront.api_v1.problems import COMMON, responses

router = APIRouter(prefix="/license-keys", tags=["License keys"], responses=responses(*COMMON))
Reader = Annotated[Actor, Depends(acting(Resource.LICENSE_KEYS, Access.READ))]
Writer = Annotated[Actor, Depends(acting(Resource.LICENSE_KEYS, Access.WRITE))]


@router.get("", summary="List license keys", description="Newest first, masked. Scope: `license_keys:read`.")
def list_keys(
    actor: Reader,
    cursor: Cursor = None,
    limit: Limit = 25,
    product_id: Annotated[int | None, Query(ge=1, le=schemas.SAFE_INT)] = None,
    status: Literal["available", "sold", "revoked"] | None = None,
) -> schemas.LicenseKeyList:
    return run(license_keys.list_keys, actor, product_id=product_id, status=status, cursor_text=cursor, limit=limit)


@router.get("/{key_id}", summary="Read a license key", description="Scope: `license_keys:read`.")
def get_key(actor: Reader, key_id: Id) -> schemas.LicenseKey:
    return run(license_keys.get_key, actor, key_id)


@router.post(
    "/imports",
    status_code=201,
    dependencies=IDEMPOTENT,
    responses=responses(413),
    summary="Import keys",
    description="Adds keys to a product's stock (products selling imported keys). Duplicates are skipped and "
    "counted; one unusable key refuses the whole import. Scope: `license_keys:write`.",
)
def import_keys(actor: Writer, body: schemas.LicenseKeyImport) -> schemas.LicenseKeyImportResult:
    return run(license_keys.import_keys, actor, body)


@router.post(
    "/{key_id}/disable",
    dependencies=IDEMPOTENT,
    responses=responses(413),
    summary="Disable a sold key",
    description="The license API answers `revoked` for it from now on. Scope: `license_keys:write`.",
)
def disable_key(actor: Writer, key_id: Id, body: schemas.LicenseKeyDisable) -> schemas.LicenseKey:
    return run(license_keys.disable_key, actor, key_id, body)


@router.get("/{key_id}/activations", summary="A key's activations", description="Scope: `license_keys:read`.")
def activations(actor: Reader, key_id: Id) -> schemas.ActivationList:
    return run(license_keys.activations, actor, key_id)
