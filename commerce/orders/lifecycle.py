"""The order lifecycle: each status change in one function, with an audit record.

    pending -> paid -> partially_refunded -> refunded
       |         \\-> disputed
       \\-> cancelled

Only a verified payment event (or a free order) marks an order paid; the browser
coming back from the payment page never does. Payment creates the fulfilment
records and the ledger entries in the same transaction, and schedules the
receipt and sale alerts after commit.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from commerce import events
from commerce.actor import Actor, require_signed_in
from commerce.config import get_settings
from commerce.errors import Conflict, DomainError, NotFound
from commerce.i18n import N_, gettext
from commerce.jobs import enqueue_after_commit
from commerce.kit.pagination import Page, make_page, page_bounds, page_within
from commerce.kit.time import utcnow
from commerce.ledger import post_dispute_hold, post_sale
from commerce.models import (
    BundleItem,
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    OrderTransition,
    Shop,
    saved_id,
)
from commerce.money import Money, format_money
from commerce.orders import cart as carts
from commerce.orders import discounts, tasks

log = logging.getLogger(__name__)

ORDERS_PER_PAGE = 20

# The statuses each status may change to (a refund or dispute may repeat).
ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED, OrderStatus.DISPUTED}),
    OrderStatus.PARTIALLY_REFUNDED: frozenset(
        {OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED, OrderStatus.DISPUTED}
    ),
    OrderStatus.DISPUTED: frozenset({OrderStatus.DISPUTED, OrderStatus.REFUNDED}),
    OrderStatus.REFUNDED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
# An order in one of these was paid at some point (what it bought was delivered, at least for a while).
PAID_STATUSES = frozenset(
    {OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED, OrderStatus.DISPUTED}
)
STATUS_LABELS: dict[OrderStatus, str] = {
    OrderStatus.PENDING: N_("Awaiting payment"),
    OrderStatus.PAID: N_("Paid"),
    OrderStatus.PARTIALLY_REFUNDED: N_("Partly refunded"),
    OrderStatus.REFUNDED: N_("Refunded"),
    OrderStatus.DISPUTED: N_("Disputed"),
    OrderStatus.CANCELLED: N_("Cancelled"),
}


@dataclass(frozen=True)
class OrderLineView:
    id: int
    product_id: int
    shop_id: int
    title: str
    unit_price: int
    discount: int
    tax: int
    total: int
    refunded_amount: int
    total_label: str


@dataclass(frozen=True)
class OrderView:
    id: int
    reference: str
    status: OrderStatus
    status_label: str
    is_paid: bool
    email: str
    currency: str
    billing_country: str | None
    subtotal: int
    discount: int
    tax: int
    total: int
    refunded_amount: int
    created_at: datetime
    paid_at: datetime | None
    payment_url: str | None
    payment_error: str | None
    flagged_reason: str | None
    lines: tuple[OrderLineView, ...]
    subtotal_label: str
    discount_label: str
    tax_label: str
    total_label: str


def order_view(s: Session, order: Order) -> OrderView:
    lines = s.exec(select(OrderLine).where(col(OrderLine.order_id) == order.id).order_by(col(OrderLine.id))).all()

    def label(amount: int) -> str:
        return format_money(Money(amount, order.currency))

    return OrderView(
        id=saved_id(order),
        reference=order.reference,
        status=order.status,
        status_label=gettext(STATUS_LABELS[order.status]),
        is_paid=order.status in PAID_STATUSES,
        email=order.email,
        currency=order.currency,
        billing_country=order.billing_country,
        subtotal=order.subtotal,
        discount=order.discount,
        tax=order.tax,
        total=order.total,
        refunded_amount=order.refunded_amount,
        created_at=order.created_at,
        paid_at=order.paid_at,
        payment_url=order.payment_url if order.status == OrderStatus.PENDING else None,
        payment_error=order.payment_error,
        flagged_reason=order.flagged_reason,
        lines=tuple(
            OrderLineView(
                id=saved_id(line),
                product_id=line.product_id,
                shop_id=line.shop_id,
                title=line.title,
                unit_price=line.unit_price,
                discount=line.discount,
                tax=line.tax,
                total=line.total,
                refunded_amount=line.refunded_amount,
                total_label=label(line.total),
            )
            for line in lines
        ),
        subtotal_label=label(order.subtotal),
        discount_label=label(order.discount),
        tax_label=label(order.tax),
        total_label=label(order.total),
    )


def _order_for(s: Session, actor: Actor, reference: str) -> Order:
    user_id = require_signed_in(actor)
    order = s.exec(select(Order).where(Order.reference == reference)).first()
    if order is None:
        raise NotFound("There is no such order.")
    if order.buyer_id != user_id and not actor.is_admin:
        # Same answer as a missing order: other people's references reveal nothing.
        raise NotFound("There is no such order.")
    return order


def get_order(s: Session, actor: Actor, reference: str) -> OrderView:
    """The buyer's own order (admins see every order)."""
    return order_view(s, _order_for(s, actor, reference))


def receipt_token(reference: str) -> str:
    """A capability to view one order without signing in.

    A guest's new account has no password until its owner claims it by email, so
    the browser session that placed the order keeps this token to show the
    confirmation page; it reveals nothing about any other order.
    """
    key = hashlib.sha256(b"order-receipt:" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, reference.encode(), hashlib.sha256).hexdigest()


def get_order_with_receipt_token(s: Session, reference: str, token: str) -> OrderView:
    if not token or not hmac.compare_digest(str(token), receipt_token(str(reference))):
        raise NotFound("There is no such order.")
    order = s.exec(select(Order).where(Order.reference == reference)).first()
    if order is None:
        raise NotFound("There is no such order.")
    return order_view(s, order)


def get_order_for_viewer(s: Session, actor: Actor, reference: str, token: str = "") -> OrderView:
    """The order as this viewer may see it: their own (or any, for an admin), or the one
    this browser session placed as a guest and holds the receipt token of."""
    if actor.is_signed_in:
        try:
            return get_order(s, actor, reference)
        except DomainError:
            if not token:
                raise
    return get_order_with_receipt_token(s, reference, token)


def list_orders(s: Session, actor: Actor, *, page: int = 1, per_page: int = ORDERS_PER_PAGE) -> Page:
    """The acting buyer's orders, newest first, a page at a time (of `OrderView`)."""
    user_id = require_signed_in(actor)
    page, per_page = page_bounds(page, per_page)
    total = s.exec(select(func.count()).select_from(Order).where(Order.buyer_id == user_id)).one()
    page = page_within(page, per_page, total)
    orders = s.exec(
        select(Order)
        .where(Order.buyer_id == user_id)
        .order_by(col(Order.created_at).desc(), col(Order.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return make_page([order_view(s, order) for order in orders], page, per_page, total)


def check_transition(order: Order, to_status: OrderStatus) -> None:
    if to_status not in ALLOWED[order.status]:
        raise Conflict(
            f"An order that is {STATUS_LABELS[order.status].lower()} cannot become {STATUS_LABELS[to_status].lower()}."
        )


def transition(
    s: Session,
    order: Order,
    to_status: OrderStatus,
    reason: str,
    *,
    actor_user_id: int | None = None,
    event_id: str | None = None,
) -> None:
    check_transition(order, to_status)
    s.add(
        OrderTransition(
            order_id=saved_id(order),
            from_status=order.status,
            to_status=to_status,
            reason=reason[:500],
            actor_user_id=actor_user_id,
            event_id=event_id,
        )
    )
    order.status = to_status
    if to_status != OrderStatus.PENDING:
        order.checkout_key = None  # a new checkout of the same cart makes a new order
    s.add(order)
    s.flush()


def flag(s: Session, order: Order, reason: str, *, event_id: str | None = None) -> None:
    """Something about the payment does not add up: keep the order as it is and say why."""
    log.warning("order %s flagged: %s", order.reference, reason)
    order.flagged_reason = reason[:500]
    s.add(order)
    s.add(
        OrderTransition(
            order_id=saved_id(order),
            from_status=order.status,
            to_status=order.status,
            reason=f"flagged: {reason}"[:500],
            event_id=event_id,
        )
    )
    s.flush()


@dataclass(frozen=True)
class LineToPay:
    line: OrderLine
    shop: Shop  # whose take rate the ledger needs and whose seller is told
    grants: list[int]  # the products buying the line grants: its own, then a bundle's items


def lines_to_pay(s: Session, order_id: int) -> list[LineToPay]:
    """The order's lines in order, each with its shop and what it grants, in one read."""
    # A row per bundle item, in the bundle's order; one with no item for a product that is no bundle.
    rows = s.exec(
        select(OrderLine, Shop, BundleItem.product_id)
        .join(Shop, col(Shop.id) == col(OrderLine.shop_id))
        .outerjoin(BundleItem, col(BundleItem.bundle_id) == col(OrderLine.product_id))
        .where(col(OrderLine.order_id) == order_id)
        .order_by(col(OrderLine.id), col(BundleItem.id))
    ).all()
    lines: dict[int, LineToPay] = {}
    for line, shop, item in rows:
        grants = lines.setdefault(saved_id(line), LineToPay(line, shop, [line.product_id])).grants
        if item is not None and item not in grants:
            grants.append(item)
    return list(lines.values())


def mark_paid(
    s: Session, order: Order, *, reason: str, event_id: str | None = None, payment_reference: str | None = None
) -> None:
    """Pending -> paid: fulfilment records, ledger entries, cart clean-up; emails by a job after commit."""
    check_transition(order, OrderStatus.PAID)  # before the order changes: a refused payment changes nothing
    # Set before the transition's flush: the status and the payment go in one UPDATE of the order.
    order.paid_at = utcnow()
    order.payment_error = None
    if payment_reference:
        order.payment_reference = payment_reference
    transition(s, order, OrderStatus.PAID, reason, event_id=event_id)
    lines = lines_to_pay(s, saved_id(order))
    fulfilments = [
        Fulfilment(
            order_id=saved_id(order), order_line_id=saved_id(paid.line), buyer_id=order.buyer_id, product_id=granted
        )
        for paid in lines
        for granted in paid.grants
    ]
    s.add_all(fulfilments)
    s.flush()  # one INSERT for them all: the events name their ids
    for fulfilment in fulfilments:
        events.publish(
            s, events.FulfilmentGranted(fulfilment_id=saved_id(fulfilment), product_id=fulfilment.product_id)
        )
    for paid in lines:
        post_sale(s, order, paid.line, paid.shop)
    carts.remove_products(s, order.buyer_id, {paid.line.product_id for paid in lines})
    s.flush()
    events.publish(s, events.OrderPaid(order_id=saved_id(order)))
    # The receipt and the sale alerts are written after the commit, not while the order is locked.
    enqueue_after_commit(s, tasks.send_paid_emails, order_id=saved_id(order))


def record_payment_failure(s: Session, order: Order, message: str) -> None:
    """A declined card: the order stays pending (the buyer may try another card)."""
    if order.status == OrderStatus.PENDING:
        order.payment_error = message[:500]
        s.add(order)
        s.flush()


def cancel_order(s: Session, actor: Actor, reference: str) -> OrderView:
    """The buyer abandons an unpaid order; its discount-code use is given back."""
    order = _order_for(s, actor, reference)
    if order.status != OrderStatus.PENDING:
        raise Conflict("Only an order awaiting payment can be cancelled.")
    transition(s, order, OrderStatus.CANCELLED, "cancelled by the buyer", actor_user_id=actor.user_id)
    if order.discount_code_id is not None:
        discounts.give_back(s, order.discount_code_id)
    return order_view(s, order)


def mark_disputed(s: Session, order: Order, *, event_id: str | None = None) -> None:
    """A disputed payment withdraws what the order granted (FulfilmentRevoked), as a refund does,
    and holds the sellers' earnings from it so they are not paid out while the bank decides."""
    transition(s, order, OrderStatus.DISPUTED, "the buyer disputed the payment with their bank", event_id=event_id)
    for line in s.exec(select(OrderLine).where(col(OrderLine.order_id) == order.id).order_by(col(OrderLine.id))).all():
        revoke_fulfilments(s, line)
        post_dispute_hold(s, order, line)
    events.publish(s, events.OrderDisputed(order_id=saved_id(order)))


def revoke_fulfilments(s: Session, line: OrderLine) -> None:
    for fulfilment in s.exec(
        select(Fulfilment).where(Fulfilment.order_line_id == line.id, Fulfilment.status == FulfilmentStatus.GRANTED)
    ).all():
        fulfilment.status, fulfilment.revoked_at = FulfilmentStatus.REVOKED, utcnow()
        s.add(fulfilment)
        s.flush()
        events.publish(
            s, events.FulfilmentRevoked(fulfilment_id=saved_id(fulfilment), product_id=fulfilment.product_id)
        )
