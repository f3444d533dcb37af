"""Discount codes through the API: the studio's discount services, as the key's shop.

Deleting a code ends it (it expires now): orders that used it keep pointing at it.
"""

from __future__ import annotations

from sqlmodel import Session

from commerce.actor import Actor
from commerce.api import cursor, schemas
from commerce.orders import discounts
from commerce.orders.discounts import DiscountCodeView


def document(view: DiscountCodeView) -> schemas.DiscountCode:
    return schemas.DiscountCode(
        id=view.id,
        code=view.code,
        kind="percent" if view.kind == "percent" else "fixed",
        percent_bps=view.percent_bps,
        amount=schemas.Money(amount=view.amount, currency=view.currency) if view.kind == "fixed" else None,
        product_id=view.product_id,
        minimum=schemas.Money(amount=view.minimum_amount, currency=view.currency),
        expires_at=view.expires_at,
        usage_limit=view.usage_limit,
        used=view.used_count,
        active=view.active,
    )


def list_codes(
    s: Session, actor: Actor, *, cursor_text: str | None = None, limit: int | None = None
) -> schemas.DiscountCodeList:
    size = cursor.limit_of(limit)
    before = cursor.decode(cursor_text)
    views = sorted(discounts.list_codes(s, actor), key=lambda view: view.id, reverse=True)
    if before is not None:
        views = [view for view in views if view.id < before]
    page, next_cursor = cursor.page_of(views[: size + 1], size, lambda view: view.id)
    return schemas.DiscountCodeList(data=[document(view) for view in page], next_cursor=next_cursor)


def get_code(s: Session, actor: Actor, code_id: int) -> schemas.DiscountCode:
    return document(discounts.get_code(s, actor, code_id))


def create_code(s: Session, actor: Actor, body: schemas.DiscountCodeCreate) -> schemas.DiscountCode:
    return document(
        discounts.create_code(
            s,
            actor,
            code=body.code,
            kind=body.kind,
            percent_bps=body.percent_bps,
            amount=body.amount,
            product_id=body.product_id,
            minimum_amount=body.minimum_amount,
            expires_at=body.expires_at,
            usage_limit=body.usage_limit,
        )
    )


def update_code(s: Session, actor: Actor, code_id: int, body: schemas.DiscountCodeUpdate) -> schemas.DiscountCode:
    changes = {name: getattr(body, name) for name in ("expires_at", "usage_limit") if name in body.model_fields_set}
    return document(discounts.update_code(s, actor, code_id, **changes))


def end_code(s: Session, actor: Actor, code_id: int) -> schemas.DiscountCode:
    return document(discounts.end_code(s, actor, code_id))
