"""/orders: the shop's sales (list with filters, read) and refunds."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from commerce.actor import Actor
from commerce.api import orders, schemas
from commerce.api.scopes import Access, Resource
from storefront.api_v1.auth import acting
from storefront.api_v1.common import IDEMPOTENT, Cursor, Limit, run
from storefront.api_v1.problems import COMMON, responses

router = APIRouter(prefix="/orders", tags=["Orders and sales"], responses=responses(*COMMON))
Reader = Annotated[Actor, Depends(acting(Resource.ORDERS, Access.READ))]
Writer = Annotated[Actor, Depends(acting(Resource.ORDERS, Access.WRITE))]
Reference = Annotated[
    str, Path(min_length=1, max_length=24, pattern=r"^[A-Za-z0-9-]+$", description="The order's reference.")
]


@router.get(
    "",
    summary="List sales",
    description="Paid orders holding the shop's products, newest first, with the shop's lines only. "
    "Scope: `orders:read`.",
)
def list_orders(
    actor: Reader,
    cursor: Cursor = None,
    limit: Limit = 25,
    status: Literal["paid", "partially_refunded", "refunded", "disputed"] | None = None,
    product_id: Annotated[int | None, Query(ge=1, le=schemas.SAFE_INT)] = None,
    created_after: Annotated[datetime | None, Query(description="UTC, ISO 8601; inclusive.")] = None,
    created_before: Annotated[datetime | None, Query(description="UTC, ISO 8601; exclusive.")] = None,
) -> schemas.OrderList:
    return run(
        orders.list_orders,
        actor,
        status=status,
        product_id=product_id,
        created_after=created_after,
        created_before=created_before,
        cursor_text=cursor,
        limit=limit,
    )


@router.get("/{reference}", summary="Read a sale", description="Scope: `orders:read`.")
def get_order(actor: Reader, reference: Reference) -> schemas.Order:
    return run(orders.get_order, actor, reference)


@router.post(
    "/{reference}/refunds",
    dependencies=IDEMPOTENT,
    responses=responses(413),
    summary="Refund",
    description="Refund amounts of the shop's lines (minor units), or everything left of them when `lines` "
    "is omitted. The money goes back through the payment provider; a line refunded in full loses its "
    "access. Scope: `orders:write`.",
)
def refund(actor: Writer, reference: Reference, body: schemas.RefundCreate) -> schemas.Order:
    return run(orders.refund_order, actor, reference, body)
