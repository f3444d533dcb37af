"""/discount-codes: create, list, read, update and end the shop's codes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from commerce.actor import Actor
from commerce.api import discount_codes, schemas
from commerce.api.scopes import Access, Resource
from storefront.api_v1.auth import acting
from storefront.api_v1.common import IDEMPOTENT, Cursor, Id, Limit, run
from storefront.api_v1.problems import COMMON, responses

router = APIRouter(prefix="/discount-codes", tags=["Discount codes"], responses=responses(*COMMON))
Reader = Annotated[Actor, Depends(acting(Resource.DISCOUNT_CODES, Access.READ))]
Writer = Annotated[Actor, Depends(acting(Resource.DISCOUNT_CODES, Access.WRITE))]


@router.get("", summary="List discount codes", description="Newest first. Scope: `discount_codes:read`.")
def list_codes(actor: Reader, cursor: Cursor = None, limit: Limit = 25) -> schemas.DiscountCodeList:
    return run(discount_codes.list_codes, actor, cursor_text=cursor, limit=limit)


@router.get("/{code_id}", summary="Read a discount code", description="Scope: `discount_codes:read`.")
def get_code(actor: Reader, code_id: Id) -> schemas.DiscountCode:
    return run(discount_codes.get_code, actor, code_id)


@router.post(
    "",
    status_code=201,
    dependencies=IDEMPOTENT,
    responses=responses(413),
    summary="Create a discount code",
    description="A percent (`percent_bps`) or fixed (`amount`, minor units of the shop's currency) code, "
    "shop-wide or for one product. Scope: `discount_codes:write`.",
)
def create_code(actor: Writer, body: schemas.DiscountCodeCreate) -> schemas.DiscountCode:
    return run(discount_codes.create_code, actor, body)


@router.patch(
    "/{code_id}",
    summary="Update a discount code",
    description="Its expiry or usage limit (null: none). Scope: `discount_codes:write`.",
)
def update_code(actor: Writer, code_id: Id, body: schemas.DiscountCodeUpdate) -> schemas.DiscountCode:
    return run(discount_codes.update_code, actor, code_id, body)


@router.delete(
    "/{code_id}",
    summary="End a discount code",
    description="It expires now; orders that used it keep their discount. Scope: `discount_codes:write`.",
)
def end_code(actor: Writer, code_id: Id) -> schemas.DiscountCode:
    return run(discount_codes.end_code, actor, code_id)
