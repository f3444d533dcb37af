"""Counting paid orders after their payment commits: purchase events and the sellers' notices.

The payment transaction writes only the buyer's rows (order, fulfilments, ledger);
`tasks.record_paid_order` runs `record_paid_order` right after its commit, and
`tasks.record_missed_sales` sweeps up any paid order whose job was lost with its
process, so every sale is counted once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists
from sqlmodel import Session, col, select

from commerce.analytics import sales
from commerce.kit.time import utcnow
from commerce.links import SELLER_ANALYTICS_PATH
from commerce.models import AnalyticsEvent, Order, OrderLine, saved_id
from commerce.money import Money, format_money
from commerce.notifications import inapp
from commerce.orders.lifecycle import lines_to_pay

# A paid order not counted after this long has lost its job (it normally runs within seconds).
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_WINDOW = timedelta(days=7)


def record_paid_order(s: Session, order_id: int) -> int:
    """The purchase events of a paid order and the sellers' in-app notices, once each
    (a rerun finds them recorded); returns how many purchase events were added."""
    order = s.get_one(Order, order_id)
    to_pay = lines_to_pay(s, order_id)
    lines = [paid.line for paid in to_pay]
    shops = {saved_id(paid.shop): paid.shop for paid in to_pay}
    by_shop: dict[int, list[OrderLine]] = {}
    for line in lines:
        by_shop.setdefault(line.shop_id, []).append(line)
    recorded = sales.record_sale(s, order, lines, shops)
    for shop_id, shop_lines in by_shop.items():
        shop = shops[shop_id]
        earned = sum(sales.to_shop_currency(s, line.net, order, line, shop) for line in shop_lines)
        titles = ", ".join(line.title for line in shop_lines)
        inapp.notify(
            s,
            shop.owner_id,
            kind="sale_alert",
            title=f"New sale: {titles}"[:200],
            body=f"{format_money(Money(earned, shop.currency))} before commission, order {order.reference}",
            url=SELLER_ANALYTICS_PATH,
            dedupe_key=f"sale:{order.reference}:{shop_id}",
        )
    return recorded


def uncounted_paid_orders(s: Session, *, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Orders paid in the last week (more than a couple of minutes ago) with a line that
    has no purchase event: their counting job was lost."""
    now = now or utcnow()
    counted = exists().where(
        col(AnalyticsEvent.order_line_id) == col(OrderLine.id), col(AnalyticsEvent.kind) == "purchase"
    )
    rows = s.exec(
        select(OrderLine.order_id)
        .join(Order, col(Order.id) == col(OrderLine.order_id))
        .where(
            col(Order.paid_at) >= now - SWEEP_WINDOW,
            col(Order.paid_at) < now - SWEEP_GRACE,
            ~counted,
        )
        .distinct()
        .limit(limit)
    ).all()
    return sorted(rows)
