"""The shop's customers through the API: everyone with a sale of the shop, newest buyer first.

A customer's id is the shop's pseudonym for the buyer (stable in this shop, meaningless in
any other), so no account id leaves the platform; the email is shown only for buyers who
share it with sellers, as on the studio's pages and exports.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_shop
from commerce.api import cursor, schemas
from commerce.errors import NotFound
from commerce.models import Order, OrderLine
from commerce.notifications.preferences import pseudonym, sharing_email
from commerce.orders.sales import SALE_STATUSES


def _buyers_query(shop_id: int):
    return (
        select_columns(
            col(Order.buyer_id),
            func.count(func.distinct(Order.id)),
            func.min(Order.paid_at),
            func.max(Order.paid_at),
            func.max(Order.id),
        )
        .join(OrderLine, col(OrderLine.order_id) == col(Order.id))
        .where(col(OrderLine.shop_id) == shop_id, col(Order.status).in_(SALE_STATUSES))
        .group_by(col(Order.buyer_id))
    )


def _documents(s: Session, shop_id: int, rows) -> list[schemas.Customer]:
    if not rows:
        return []
    latest = {
        order.id: order for order in s.exec(select(Order).where(col(Order.id).in_([row[4] for row in rows]))).all()
    }
    sharing = sharing_email(s, {row[0] for row in rows})
    return [
        schemas.Customer(
            id=pseudonym(shop_id, buyer_id),
            email=latest[last_id].email if buyer_id in sharing else None,
            country=latest[last_id].billing_country,
            orders=count,
            first_order_at=first,
            last_order_at=last,
        )
        for buyer_id, count, first, last, last_id in rows
    ]


def list_customers(
    s: Session, actor: Actor, *, cursor_text: str | None = None, limit: int | None = None
) -> schemas.CustomerList:
    """Buyers ordered by their latest order, newest first (the cursor is that order)."""
    shop_id = require_shop(actor)
    size = cursor.limit_of(limit)
    before = cursor.decode(cursor_text)
    query = _buyers_query(shop_id)
    if before is not None:
        query = query.having(func.max(Order.id) < before)
    rows = list(s.execute(query.order_by(func.max(Order.id).desc()).limit(size + 1)).all())
    rows, next_cursor = cursor.page_of(rows, size, lambda row: row[4])
    return schemas.CustomerList(data=_documents(s, shop_id, rows), next_cursor=next_cursor)


def get_customer(s: Session, actor: Actor, customer_id: str) -> schemas.Customer:
    """One customer by the id the list gave (found among the shop's buyers only)."""
    shop_id = require_shop(actor)
    for row in s.execute(_buyers_query(shop_id)).all():
        if pseudonym(shop_id, row[0]) == customer_id:
            return _documents(s, shop_id, [row])[0]
    raise NotFound("Your shop has no such customer.")
