"""Recording and processing verified payment events, each exactly once.

The event is inserted under UNIQUE(provider, event_id) in the same transaction
that acts on it: a duplicate delivery finds the row and does nothing, and a crash
half-way rolls both back so the provider's retry processes it again. Events that
arrive before the payment they refer to (a refund or dispute overtaking the
payment, as providers do not guarantee order) are kept as deferred and
processed when the payment lands. The order row is locked while an event acts on
it, so a refund being recorded and its webhook cannot interleave.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlmodel import Session, col, select

from commerce.db import insert_unless_present, unit_of_work
from commerce.models import Order, OrderStatus, PaymentEventKind, WebhookEvent, WebhookOutcome
from commerce.money import Money, format_money
from commerce.orders import lifecycle
from commerce.payments.port import GatewayEvent, PaymentGateway

log = logging.getLogger(__name__)


def receive(gateway: PaymentGateway, payload: bytes, headers: Mapping[str, str]) -> str:
    """Verify, record and process one delivery; returns the outcome.

    Raises the gateway's WebhookError (with `.status_code`) for a bad signature or body.
    """
    event = gateway.parse_webhook(payload, headers)
    with unit_of_work() as s:
        return handle_event(s, event)


def _find_order(s: Session, event: GatewayEvent) -> Order | None:
    query = None
    if event.order_reference:
        query = select(Order).where(Order.reference == event.order_reference)
    elif event.session_id:
        query = select(Order).where(Order.payment_session_id == event.session_id)
    elif event.payment_reference:
        query = select(Order).where(Order.payment_reference == event.payment_reference)
    if query is None:
        return None
    return s.exec(query.with_for_update()).first()


def handle_event(s: Session, event: GatewayEvent) -> str:
    """Record `event` once and act on it; returns "duplicate" for a repeat delivery."""
    # The order is found (and locked) first, so that the event's row is written once, naming
    # it: only an outcome other than the usual "processed" updates the row afterwards. A repeat
    # delivery racing the first waits for the order's lock, then finds the event recorded.
    if event.kind == PaymentEventKind.IGNORED:
        order, recorded_as = None, WebhookOutcome.IGNORED
    else:
        order = _find_order(s, event)
        recorded_as = WebhookOutcome.PROCESSED if order else WebhookOutcome.UNKNOWN_ORDER
    row = insert_unless_present(
        s,
        WebhookEvent(
            provider=event.provider,
            event_id=event.event_id,
            kind=event.kind,
            raw_type=event.raw_type,
            order_id=order.id if order else None,
            payment_reference=event.payment_reference,
            amount=event.amount,
            currency=event.currency,
            refunded_amount=event.refunded_amount,
            failure_message=event.failure_message,
            outcome=recorded_as,
            created=event.created,
        ),
        "provider",
        "event_id",
    )
    if row is None:
        log.info("webhook %s/%s already recorded", event.provider, event.event_id)
        return "duplicate"
    if recorded_as == WebhookOutcome.UNKNOWN_ORDER:
        log.warning(
            "webhook %s/%s (%s) names no known order (reference %r, payment %r)",
            event.provider,
            event.event_id,
            event.raw_type,
            event.order_reference,
            event.payment_reference,
        )
    if order is None:
        return recorded_as
    outcome, note = _apply(s, order, row)
    return _finish(s, row, outcome, note)


def _finish(s: Session, row: WebhookEvent, outcome: WebhookOutcome, note: str | None = None) -> WebhookOutcome:
    # Values equal to the row's send no UPDATE (SQLAlchemy compares them with what it loaded).
    row.outcome, row.note = outcome, note
    s.add(row)
    s.flush()
    return outcome


def _apply(s: Session, order: Order, row: WebhookEvent) -> tuple[WebhookOutcome, str | None]:
    if row.kind == PaymentEventKind.PAYMENT_SUCCEEDED:
        return _payment_succeeded(s, order, row)
    if row.kind == PaymentEventKind.PAYMENT_FAILED:
        lifecycle.record_payment_failure(s, order, row.failure_message or "The payment failed.")
        return WebhookOutcome.PROCESSED, None
    if order.status in (OrderStatus.PENDING, OrderStatus.CANCELLED) and order.paid_at is None:
        return WebhookOutcome.DEFERRED, "waiting for the payment event"
    if row.kind == PaymentEventKind.REFUNDED:
        reported = row.refunded_amount or 0
        if reported > order.refunded_amount:
            lifecycle.flag(
                s,
                order,
                f"the provider reports {_money(reported, order)} refunded but "
                f"{_money(order.refunded_amount, order)} is recorded: a refund was made "
                "outside the marketplace",
                event_id=row.event_id,
            )
            return WebhookOutcome.FLAGGED, "refund made outside the marketplace"
        return WebhookOutcome.PROCESSED, None
    if row.kind == PaymentEventKind.DISPUTED:
        if order.status == OrderStatus.DISPUTED:
            return WebhookOutcome.PROCESSED, "already disputed"
        if order.status == OrderStatus.REFUNDED:
            lifecycle.flag(s, order, "a dispute was opened on a refunded order", event_id=row.event_id)
            return WebhookOutcome.FLAGGED, None
        lifecycle.mark_disputed(s, order, event_id=row.event_id)
        return WebhookOutcome.PROCESSED, None
    return WebhookOutcome.IGNORED, None


def _money(amount: int, order: Order) -> str:
    return format_money(Money(amount, order.currency))


def _payment_succeeded(s: Session, order: Order, row: WebhookEvent) -> tuple[WebhookOutcome, str | None]:
    if row.amount != order.total or row.currency != order.currency:
        paid = format_money(Money(row.amount, row.currency)) if row.amount is not None and row.currency else "?"
        lifecycle.flag(
            s,
            order,
            f"payment of {paid} does not match the order total {_money(order.total, order)}",
            event_id=row.event_id,
        )
        return WebhookOutcome.FLAGGED, "amount or currency mismatch"
    if order.status != OrderStatus.PENDING:
        if order.status == OrderStatus.CANCELLED:
            lifecycle.flag(s, order, "paid after it was cancelled: refund the buyer", event_id=row.event_id)
            return WebhookOutcome.FLAGGED, "paid after cancellation"
        return WebhookOutcome.PROCESSED, "already paid"
    lifecycle.mark_paid(
        s,
        order,
        reason=f"{row.provider} {row.raw_type}",
        event_id=row.event_id,
        payment_reference=row.payment_reference,
    )
    _replay_deferred(s, order)
    return WebhookOutcome.PROCESSED, None


def _replay_deferred(s: Session, order: Order) -> None:
    """Events that overtook the payment: refunds and disputes, in the provider's order."""
    waiting = s.exec(
        select(WebhookEvent)
        .where(
            WebhookEvent.provider == order.payment_provider,
            ((WebhookEvent.order_id == order.id) & (WebhookEvent.outcome == WebhookOutcome.DEFERRED))
            | (
                (WebhookEvent.payment_reference == order.payment_reference)
                & (WebhookEvent.outcome == WebhookOutcome.UNKNOWN_ORDER)
            ),
        )
        .order_by(col(WebhookEvent.created), col(WebhookEvent.id))
    ).all()
    for row in waiting:
        row.order_id = order.id
        outcome, note = _apply(s, order, row)
        _finish(s, row, outcome, note)
