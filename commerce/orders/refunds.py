"""Refunds by the seller (their own lines) or an admin (any line), full or partial.

The refund goes through the gateway with an idempotency key, the ledger posts the
reversal, and a line refunded in full loses its access (FulfilmentRevoked). The
order row is locked first, so two refunds of the same order cannot both take the
last refundable amount.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from commerce import events
from commerce.actor import Actor, require_signed_in
from commerce.errors import Conflict, NotFound, PermissionDenied, ValidationError
from commerce.ledger import post_refund
from commerce.models import Order, OrderLine, OrderStatus, Refund, User, by_id, saved_id
from commerce.money import Money, format_money
from commerce.notifications.tasks import enqueue_email
from commerce.orders import lifecycle
from commerce.payments import PaymentGateway

REFUNDABLE = frozenset({OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.DISPUTED})


def refund(
    s: Session,
    actor: Actor,
    gateway: PaymentGateway | None,
    reference: str,
    *,
    amounts: dict[int, int] | None = None,
    reason: str = "",
    email_buyer: bool = True,
) -> lifecycle.OrderView:
    """Refund `amounts` (order line id -> minor units), or everything the actor may refund.

    `gateway` may be None only for orders paid without one (free orders). `email_buyer`
    False: the caller sends the buyer an email of its own that says why (delivery problems).
    """
    user_id = require_signed_in(actor)
    order = _locked_order(s, reference)
    lines = s.exec(select(OrderLine).where(col(OrderLine.order_id) == order.id).order_by(col(OrderLine.id))).all()
    allowed = _lines_the_actor_may_refund(actor, lines)
    if order.status not in REFUNDABLE:
        raise Conflict(f"An order that is {lifecycle.STATUS_LABELS[order.status].lower()} cannot be refunded.")
    wanted = _wanted_amounts(order, allowed, amounts)
    rows = _record_refunds(s, order, allowed, wanted, reason=reason, requested_by=user_id)
    total = sum(wanted.values())
    _refund_payment(s, order, gateway, rows, total)
    lifecycle.transition(
        s, order, _status_after_refund(order, lines), _transition_reason(order, total, reason), actor_user_id=user_id
    )
    if email_buyer:
        _email_refund_notice(s, order, rows, total)
    return lifecycle.order_view(s, order)


def _locked_order(s: Session, reference: str) -> Order:
    """The order, locked until commit: two refunds of it cannot both take the last refundable amount."""
    order = s.exec(select(Order).where(Order.reference == reference).with_for_update()).first()
    if order is None:
        raise NotFound("There is no such order.")
    return order


def _lines_the_actor_may_refund(actor: Actor, lines: Sequence[OrderLine]) -> dict[int, OrderLine]:
    """By line id: every line for an admin, the shop's own lines for a seller."""
    if actor.is_admin:
        allowed = by_id(lines)
    elif actor.shop_id is not None:
        allowed = by_id(line for line in lines if line.shop_id == actor.shop_id)
    else:
        allowed = {}
    if not allowed:
        raise PermissionDenied("Only the seller of an item or an admin can refund it.")
    return allowed


def _wanted_amounts(order: Order, allowed: dict[int, OrderLine], amounts: dict[int, int] | None) -> dict[int, int]:
    """Line id -> amount to refund: what is left of each allowed line, or the checked `amounts`."""
    if amounts is None:
        wanted = {
            line_id: line.total - line.refunded_amount
            for line_id, line in allowed.items()
            if line.total > line.refunded_amount
        }
        if not wanted:
            raise Conflict("Everything you can refund on this order has been refunded already.")
        return wanted
    wanted = {}
    for line_id, amount in amounts.items():
        line = allowed.get(line_id)
        if line is None:
            raise PermissionDenied("You can only refund your own items.")
        # Amounts may come from an event any client can send: whole positive minor units only.
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise ValidationError("A refund must be for a positive amount.", field="amount")
        left = line.total - line.refunded_amount
        if amount > left:
            raise ValidationError(
                f"At most {format_money(Money(left, order.currency))} of {line.title} can still be refunded.",
                field="amount",
            )
        wanted[line_id] = amount
    if not wanted:
        raise ValidationError("Choose what to refund.", field="amount")
    return wanted


def _record_refunds(
    s: Session,
    order: Order,
    allowed: dict[int, OrderLine],
    wanted: dict[int, int],
    *,
    reason: str,
    requested_by: int,
) -> list[Refund]:
    """A Refund row per line, the lines' and the order's refunded amounts, the ledger's reversal,
    access withdrawn from lines refunded in full, and the OrderRefunded event."""
    rows = []
    for line_id, amount in wanted.items():
        line = allowed[line_id]
        row = Refund(
            order_id=saved_id(order),
            order_line_id=saved_id(line),
            amount=amount,
            currency=order.currency,
            reason=reason.strip()[:500],
            requested_by=requested_by,
        )
        s.add(row)
        s.flush()
        line.refunded_amount += amount
        s.add(line)
        post_refund(s, order, line, row)
        if line.refunded_amount == line.total:
            lifecycle.revoke_fulfilments(s, line)
        rows.append(row)
    order.refunded_amount += sum(wanted.values())
    s.add(order)
    events.publish(s, events.OrderRefunded(order_id=saved_id(order), refund_ids=tuple(saved_id(row) for row in rows)))
    return rows


def _refund_payment(s: Session, order: Order, gateway: PaymentGateway | None, rows: list[Refund], total: int) -> None:
    """Give the money back through the provider (nothing to do for an order paid without one).

    Inside the transaction: if the provider refuses, nothing above is kept. The idempotency
    key names this refund, so a retried request cannot refund twice.
    """
    if not order.payment_reference:
        return
    if gateway is None:
        raise ValueError("a paid order needs the gateway to refund")
    result = gateway.refund(
        order.payment_reference, total, order.currency, idempotency_key=f"refund:{order.reference}:{rows[0].id}"
    )
    for row in rows:
        row.provider_refund_id = result.refund_id
        s.add(row)


def _status_after_refund(order: Order, lines: Sequence[OrderLine]) -> OrderStatus:
    """Refunded once every line is; a disputed order stays disputed until then."""
    if all(line.refunded_amount == line.total for line in lines):
        return OrderStatus.REFUNDED
    if order.status == OrderStatus.DISPUTED:
        return OrderStatus.DISPUTED
    return OrderStatus.PARTIALLY_REFUNDED


def _transition_reason(order: Order, total: int, reason: str) -> str:
    why = reason.strip()
    return f"refund of {format_money(Money(total, order.currency))}" + (f": {why}" if why else "")


def _email_refund_notice(s: Session, order: Order, rows: list[Refund], total: int) -> None:
    buyer = s.get_one(User, order.buyer_id)
    enqueue_email(
        s,
        to=order.email,
        kind="refund_notice",
        language=order.language,
        idempotency_key=f"refund:{rows[0].id}",
        display_name=buyer.display_name,
        order_reference=order.reference,
        amount=total,
        currency=order.currency,
    )
