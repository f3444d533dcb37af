"""Orders and sales through the API: the shop's paid orders (its own lines only), and refunds
through `orders.refunds.refund`, the service the sales page and the admin console use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from commerce import payments
from commerce.actor import Actor, require_shop
from commerce.api import cursor, schemas
from commerce.errors import NotFound, ValidationError
from commerce.kit.choices import parse_choice
from commerce.models import Order, OrderLine, OrderStatus, saved_id
from commerce.notifications.preferences import buyers_as_seen_by_shop
from commerce.orders import refunds
from commerce.orders.sales import SALE_STATUSES


def _documents(s: Session, shop_id: int, orders: list[Order]) -> list[schemas.Order]:
    if not orders:
        return []
    lines = s.exec(
        select(OrderLine)
        .where(col(OrderLine.order_id).in_([o.id for o in orders]), OrderLine.shop_id == shop_id)
        .order_by(col(OrderLine.id))
    ).all()
    by_order: dict[int, list[OrderLine]] = {}
    for line in lines:
        by_order.setdefault(line.order_id, []).append(line)
    buyers = buyers_as_seen_by_shop(s, shop_id, {order.buyer_id: order.email for order in orders})
    documents = []
    for order in orders:
        mine = by_order.get(saved_id(order), [])
        refundable_status = order.status in refunds.REFUNDABLE

        def money(amount: int, currency: str = order.currency) -> schemas.Money:
            return schemas.Money(amount=amount, currency=currency)

        documents.append(
            schemas.Order(
                id=order.reference,
                status=order.status.value,
                buyer=buyers[order.buyer_id],
                billing_country=order.billing_country,
                lines=[
                    schemas.OrderLine(
                        id=saved_id(line),
                        product_id=line.product_id,
                        title=line.title,
                        total=money(line.total),
                        refunded=money(line.refunded_amount),
                        refundable=money(line.total - line.refunded_amount if refundable_status else 0),
                    )
                    for line in mine
                ],
                total=money(sum(line.total for line in mine)),
                created_at=order.created_at,
                paid_at=order.paid_at,
            )
        )
    return documents


def _shop_sales(shop_id: int) -> list[ColumnElement[bool]]:
    return [
        col(Order.status).in_(SALE_STATUSES),
        col(Order.id).in_(select(OrderLine.order_id).where(OrderLine.shop_id == shop_id)),
    ]


def list_orders(
    s: Session,
    actor: Actor,
    *,
    status: str | None = None,
    product_id: int | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    cursor_text: str | None = None,
    limit: int | None = None,
) -> schemas.OrderList:
    """The shop's sales, newest first, with only the shop's lines of each order."""
    shop_id = require_shop(actor)
    size = cursor.limit_of(limit)
    before = cursor.decode(cursor_text)
    conditions = _shop_sales(shop_id)
    if status is not None:
        wanted = parse_choice(OrderStatus, status)
        if wanted is None or wanted not in SALE_STATUSES:
            raise ValidationError("Filter by paid, partially_refunded, refunded or disputed.", "status")
        conditions.append(col(Order.status) == wanted)
    if product_id is not None:
        conditions.append(
            col(Order.id).in_(
                select(OrderLine.order_id).where(OrderLine.shop_id == shop_id, OrderLine.product_id == product_id)
            )
        )
    if created_after is not None:
        conditions.append(col(Order.created_at) >= created_after)
    if created_before is not None:
        conditions.append(col(Order.created_at) < created_before)
    if before is not None:
        conditions.append(col(Order.id) < before)
    rows, next_cursor = cursor.page_of(
        list(s.exec(select(Order).where(*conditions).order_by(col(Order.id).desc()).limit(size + 1)).all()),
        size,
        saved_id,
    )
    return schemas.OrderList(data=_documents(s, shop_id, rows), next_cursor=next_cursor)


def _shop_order(s: Session, shop_id: int, reference: str) -> Order:
    order = s.exec(select(Order).where(Order.reference == reference, *_shop_sales(shop_id))).first()
    if order is None:
        raise NotFound("Your shop has no such order.")
    return order


def get_order(s: Session, actor: Actor, reference: str) -> schemas.Order:
    shop_id = require_shop(actor)
    return _documents(s, shop_id, [_shop_order(s, shop_id, reference)])[0]


def refund_order(s: Session, actor: Actor, reference: str, body: schemas.RefundCreate) -> schemas.Order:
    """Refund some of the shop's lines (amounts in minor units), or all that is left of them."""
    shop_id = require_shop(actor)
    order = _shop_order(s, shop_id, reference)
    amounts = None
    if body.lines is not None:
        mine = set(
            s.exec(select(OrderLine.id).where(OrderLine.order_id == order.id, OrderLine.shop_id == shop_id)).all()
        )
        amounts = {}
        for line in body.lines:
            if line.line_id in amounts:
                raise ValidationError("Name each line once.", "lines")
            if line.line_id not in mine:
                raise ValidationError(f"Line {line.line_id} is not one of your shop's lines of this order.", "lines")
            amounts[line.line_id] = line.amount
    refunds.refund(s, actor, payments.gateway(), reference, amounts=amounts, reason=body.reason)
    s.expire_all()
    return get_order(s, actor, reference)
