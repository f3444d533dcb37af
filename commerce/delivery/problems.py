"""Paid but not deliverable: never silent.

When a paid product cannot be delivered (it sells imported license keys and none is
left, say a payment that landed after its hold on the last key ran out), the sale
is not left waiting: the order line is refunded in full at once on the seller's
behalf, the order is flagged for admins (their orders page and the moderation
queue), the buyer gets an email saying what happened and that the money is on its
way back, and the seller an in-app notice. If the gateway refuses the refund, the
problem is recorded with the error, the email says the refund is being handled,
and the admin queue shows it until someone acts.
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from commerce import payments
from commerce.actor import Actor
from commerce.kit.time import utcnow
from commerce.links import order_url, seller_delivery_url
from commerce.models import (
    DeliveryProblem,
    Fulfilment,
    Order,
    OrderLine,
    Product,
    Shop,
    User,
    UserRole,
    saved_id,
)
from commerce.money import Money, format_money
from commerce.notifications import inapp
from commerce.notifications.tasks import enqueue_email
from commerce.orders import lifecycle, refunds

log = logging.getLogger(__name__)


def refund_undeliverable(s: Session, fulfilment: Fulfilment, product: Product, reason: str) -> DeliveryProblem:
    """Refund the line that paid for `fulfilment`, flag the order and tell everyone; once per fulfilment."""
    existing = s.get(DeliveryProblem, fulfilment.id)
    if existing is not None:
        return existing
    order = s.get_one(Order, fulfilment.order_id)
    line = s.get_one(OrderLine, fulfilment.order_line_id)
    shop = s.get_one(Shop, line.shop_id)
    left = line.total - line.refunded_amount
    refund_error = ""
    if left > 0:
        seller = Actor(user_id=shop.owner_id, role=UserRole.SELLER, shop_id=saved_id(shop))
        try:
            with s.begin_nested():
                refunds.refund(
                    s,
                    seller,
                    payments.gateway() if order.payment_reference else None,
                    order.reference,
                    amounts={saved_id(line): left},
                    reason=f"automatic: {product.title} could not be delivered ({reason})",
                    email_buyer=False,
                )
        except Exception as error:  # the gateway refused or is down: kept, shown and retried by a person
            log.exception("automatic refund of order %s line %s failed", order.reference, line.id)
            refund_error = (getattr(error, "message", None) or str(error) or type(error).__name__)[:300]
    problem = DeliveryProblem(
        fulfilment_id=saved_id(fulfilment),
        order_id=saved_id(order),
        order_line_id=saved_id(line),
        shop_id=saved_id(shop),
        product_id=saved_id(product),
        reason=reason[:300],
        refunded_amount=0 if refund_error else max(left, 0),
        refund_error=refund_error,
        created_at=utcnow(),
    )
    s.add(problem)
    s.refresh(order)
    amount = format_money(Money(max(left, 0), order.currency))
    outcome = f"refunded {amount} automatically" if not refund_error else f"the automatic refund failed: {refund_error}"
    lifecycle.flag(s, order, f"{product.title} could not be delivered ({reason}); {outcome}")
    buyer = s.get_one(User, order.buyer_id)
    enqueue_email(
        s,
        to=order.email,
        kind="delivery_failed",
        language=order.language,
        idempotency_key=f"delivery-failed:{fulfilment.id}",
        display_name=buyer.display_name,
        product=product.title,
        order_reference=order.reference,
        amount=max(left, 0),
        currency=order.currency,
        refunded=not refund_error,
        order_url=order_url(order.reference),
    )
    inapp.notify(
        s,
        shop.owner_id,
        kind="delivery_problem",
        title=f"A sale of {product.title} could not be delivered"[:200],
        body=(
            f"Order {order.reference}: {reason}. "
            + (f"The buyer was refunded {amount} automatically." if not refund_error else "The refund failed.")
        ),
        url=seller_delivery_url(saved_id(product)),
        dedupe_key=f"delivery-problem:{fulfilment.id}",
    )
    s.flush()
    return problem
