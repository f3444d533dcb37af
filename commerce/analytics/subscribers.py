"""How analytics reacts to orders (listed in `commerce.wiring.SUBSCRIBERS`): sales and refunds
become events in the payment's or the refund's transaction, the people concerned get an
in-app notice, and a rollup runs after the commit."""

from __future__ import annotations

from sqlmodel import Session, col, select

from commerce import events
from commerce.analytics import sales, tasks
from commerce.jobs import enqueue_after_commit
from commerce.links import SELLER_ANALYTICS_PATH, order_url
from commerce.models import Order, OrderLine, Refund, Shop
from commerce.money import Money, format_money
from commerce.notifications import inapp


def count_sale(s: Session, event: events.OrderPaid) -> None:
    order = s.get_one(Order, event.order_id)
    lines = list(s.exec(select(OrderLine).where(col(OrderLine.order_id) == order.id).order_by(col(OrderLine.id))).all())
    sales.record_sale(s, order, lines)
    by_shop: dict[int, list[OrderLine]] = {}
    for line in lines:
        by_shop.setdefault(line.shop_id, []).append(line)
    for shop_id, shop_lines in by_shop.items():
        shop = s.get_one(Shop, shop_id)
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
    enqueue_after_commit(s, tasks.roll_up_analytics)


def count_refund(s: Session, event: events.OrderRefunded) -> None:
    order = s.get_one(Order, event.order_id)
    refunds = [s.get_one(Refund, refund_id) for refund_id in event.refund_ids]
    sales.record_refunds(s, order, refunds)
    amount = format_money(Money(sum(refund.amount for refund in refunds), order.currency))
    inapp.notify(
        s,
        order.buyer_id,
        kind="refund_notice",
        title=f"Refund of {amount} for order {order.reference}",
        body="It goes back to the card you paid with; banks take a few days to show it.",
        url=order_url(order.reference),
        dedupe_key=f"refund:{refunds[0].id}",
    )
    enqueue_after_commit(s, tasks.roll_up_analytics)
