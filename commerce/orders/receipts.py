"""The emails a payment sends: the buyer's receipt and the sellers' sale alerts."""

from __future__ import annotations

from sqlmodel import Session, col, select

from commerce import i18n
from commerce.config import get_settings
from commerce.links import LIBRARY_PATH, SELLER_ANALYTICS_PATH, absolute
from commerce.models import Order, OrderLine, Shop, User
from commerce.notifications.tasks import enqueue_email
from commerce.orders.access import ACCESS_LINK_LIFETIME, issue_access_link


def schedule_paid_emails(s: Session, order_id: int) -> None:
    """The buyer's receipt and each seller's sale alert, sent after `s` commits (once each:
    their idempotency keys name the order and line). Called from the paid order's job, so
    the emails are rendered when sent, not also here (`render_now=False`)."""
    # The order with its buyer's name, for the receipt's greeting.
    order, buyer_name = s.exec(
        select(Order, User.display_name)
        .join(User, col(User.id) == col(Order.buyer_id))
        .where(col(Order.id) == order_id)
    ).one()
    # Each line with its seller's address, name and saved language, in one query.
    lines = s.exec(
        select(OrderLine, User.email, User.display_name, User.language)
        .join(Shop, col(Shop.id) == col(OrderLine.shop_id))
        .join(User, col(User.id) == col(Shop.owner_id))
        .where(col(OrderLine.order_id) == order.id)
        .order_by(col(OrderLine.id))
    ).all()
    base_url = get_settings().base_url
    enqueue_email(
        s,
        to=order.email,
        kind="receipt",
        language=order.language,
        idempotency_key=f"receipt:{order.reference}",
        render_now=False,
        display_name=buyer_name,
        order_reference=order.reference,
        currency=order.currency,
        lines=[{"title": line.title, "amount": line.unit_price} for line, *_ in lines],
        subtotal=order.subtotal,
        discount=order.discount,
        tax=order.tax,
        total=order.total,
        library_url=absolute(base_url, LIBRARY_PATH),
        access_url=issue_access_link(s, order),
        access_minutes=int(ACCESS_LINK_LIFETIME.total_seconds() // 60),
    )
    for line, seller_email, seller_name, seller_language in lines:
        enqueue_email(
            s,
            to=seller_email,
            kind="sale_alert",
            # The language the seller saved, as enqueue_email would look it up by their address.
            language=i18n.choose(seller_language, i18n.current_language()),
            idempotency_key=f"sale:{order.reference}:{line.id}",
            render_now=False,
            seller=seller_name,
            product=line.title,
            amount=line.net,
            currency=order.currency,
            dashboard_url=absolute(base_url, SELLER_ANALYTICS_PATH),
        )
