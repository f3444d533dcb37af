"""How analytics reacts to orders (listed in `commerce.wiring.SUBSCRIBERS`): a sale is counted
by a job after the payment commits, a refund in the refund's transaction; the people
concerned get an in-app notice, and a rollup runs after the commit."""

from __future__ import annotations

from sqlmodel import Session

from commerce import events
from commerce.analytics import sales, tasks
from commerce.jobs import enqueue_after_commit
from commerce.links import order_url
from commerce.models import Order, Refund
from commerce.money import Money, format_money
from commerce.notifications import inapp


def count_sale(s: Session, event: events.OrderPaid) -> None:
    """Count the sale after the payment commits (`tasks.record_paid_order`), never inside it:
    the payment transaction writes only the buyer's rows, so a flash sale in one shop does
    not queue its buyers behind the shop's analytics rows. A job lost with its process is
    caught up by the periodic sweep (`tasks.record_missed_sales`)."""
    enqueue_after_commit(s, tasks.record_paid_order, order_id=event.order_id)


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
