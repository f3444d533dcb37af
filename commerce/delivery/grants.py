"""Granting on payment and revoking on refund, dispute or an admin's decision.

Payment (`orders.lifecycle.mark_paid`) creates the fulfilment rows; its grant
hook schedules `deliver` as a job after the commit, so the webhook answers fast
and a failure is retried with backoff; a product that cannot be delivered (no key
left in stock) is refunded, flagged and told at once (`problems`). `deliver`
locks the fulfilment and records a FulfilmentDelivery row in the same
transaction as the strategies' work, so however often it runs, each fulfilment
is delivered once. If the process dies between the payment's commit and the job,
`pending_fulfilment_ids` finds the fulfilments still waiting (the app re-queues
them at start-up).

Revoking runs inside the refund's own transaction: access ends the moment the
refund commits, never later.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import timedelta

from sqlmodel import Session, col, select

from commerce import audit
from commerce.actor import Actor, require_admin
from commerce.db import serialise_writes
from commerce.delivery import problems
from commerce.delivery.strategies import strategies_for
from commerce.errors import Conflict, NotFound, ValidationError
from commerce.kit.time import utcnow
from commerce.licensing.issuing import OutOfKeys
from commerce.models import (
    Fulfilment,
    FulfilmentDelivery,
    FulfilmentStatus,
    Order,
    OrderLine,
    OrderTransition,
    Product,
    primary_key,
    saved_id,
)
from commerce.notifications.library_changes import bump_library
from commerce.orders import lifecycle

MAX_REASON_LENGTH = 300


def deliver(s: Session, fulfilment_id: int) -> bool:
    """Run every strategy's grant for this fulfilment, once. True if this call delivered it."""
    # On SQLite the row lock below is ignored, and a transaction that read before its first
    # write fails at once ("database is locked") when another delivery committed meanwhile:
    # take the write lock first, as PostgreSQL's row lock would.
    serialise_writes(s)
    # The product comes with the locked fulfilment (it may be read as it was before a wait for
    # the lock: only its delivery kind matters here, and a sale delivers what was sold).
    locked = s.exec(
        select(Fulfilment, Product)
        .join(Product, col(Product.id) == col(Fulfilment.product_id))
        .where(col(Fulfilment.id) == fulfilment_id)
        .with_for_update(of=Fulfilment)
        .execution_options(populate_existing=True)
    ).first()
    if locked is None:
        return False
    fulfilment, product = locked
    if fulfilment.status != FulfilmentStatus.GRANTED:
        return False
    # A read of its own after the lock, not joined to it: a joined row would come from before
    # the wait, so a delivery another run committed meanwhile would go unseen.
    if s.get(FulfilmentDelivery, fulfilment_id) is not None:
        return False
    strategies = strategies_for(product)
    # A savepoint only where a grant can fail (no key left in stock): it undoes what the
    # strategies before it did. Files alone cannot fail, and need none.
    undo_on_failure = s.begin_nested() if any(strategy.can_run_out for strategy in strategies) else nullcontext()
    try:
        with undo_on_failure:
            for strategy in strategies:
                strategy.grant(s, fulfilment, product)
    except OutOfKeys:
        # Paid and not deliverable: refunded, flagged and told at once, never left waiting.
        problems.refund_undeliverable(s, fulfilment, product, "no license key was left in stock")
        return False
    s.add(FulfilmentDelivery(fulfilment_id=fulfilment_id))
    bump_library(s, [fulfilment.buyer_id])
    s.flush()
    return True


def revoke(s: Session, fulfilment: Fulfilment) -> None:
    """Withdraw what `fulfilment` gave (keys, downloads); the orders module has marked it revoked."""
    product = s.get_one(Product, fulfilment.product_id)
    for strategy in strategies_for(product):
        strategy.revoke(s, fulfilment, product)
    bump_library(s, [fulfilment.buyer_id])


def pending_fulfilment_ids(s: Session, *, older_than: timedelta = timedelta(seconds=30), limit: int = 500) -> list[int]:
    """Granted fulfilments whose delivery never finished (a crash, a job given up on)."""
    cutoff = utcnow() - older_than
    rows = s.exec(
        select(Fulfilment.id)
        .join(FulfilmentDelivery, col(FulfilmentDelivery.fulfilment_id) == col(Fulfilment.id), isouter=True)
        .where(
            Fulfilment.status == FulfilmentStatus.GRANTED,
            col(FulfilmentDelivery.fulfilment_id).is_(None),
            Fulfilment.created_at <= cutoff,
        )
        .order_by(col(Fulfilment.id))
        .limit(limit)
    ).all()
    return [primary_key(row) for row in rows]


def waiting_fulfilment_ids(s: Session, product_id: int, *, limit: int = 500) -> list[int]:
    """This product's granted fulfilments still waiting for delivery (say, for keys in stock)."""
    rows = s.exec(
        select(Fulfilment.id)
        .join(FulfilmentDelivery, col(FulfilmentDelivery.fulfilment_id) == col(Fulfilment.id), isouter=True)
        .where(
            Fulfilment.product_id == product_id,
            Fulfilment.status == FulfilmentStatus.GRANTED,
            col(FulfilmentDelivery.fulfilment_id).is_(None),
        )
        .order_by(col(Fulfilment.id))
        .limit(limit)
    ).all()
    return [primary_key(row) for row in rows]


def revoke_order_access(s: Session, actor: Actor, reference: str, *, reason: str) -> int:
    """An admin withdraws everything an order granted (fraud, abuse) without refunding it.

    Returns how many products lost access; the reason is kept in the order's audit trail.
    """
    admin_id = require_admin(actor, "revoke_order_access", reference=reference)
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationError("Say why access is being withdrawn.", "reason")
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationError(f"Keep the reason under {MAX_REASON_LENGTH} characters.", "reason")
    order = s.exec(select(Order).where(Order.reference == reference).with_for_update()).first()
    if order is None:
        raise NotFound("There is no such order.")
    lines = s.exec(select(OrderLine).where(col(OrderLine.order_id) == order.id).order_by(col(OrderLine.id))).all()
    granted = s.exec(
        select(Fulfilment).where(Fulfilment.order_id == order.id, Fulfilment.status == FulfilmentStatus.GRANTED)
    ).all()
    if not granted:
        raise Conflict("This order grants nothing any more.")
    for line in lines:
        lifecycle.revoke_fulfilments(s, line)
    s.add(
        OrderTransition(
            order_id=saved_id(order),
            from_status=order.status,
            to_status=order.status,
            reason=f"access revoked by an admin: {text}"[:500],
            actor_user_id=admin_id,
        )
    )
    audit.record(
        s,
        admin_id,
        "revoke_order_access",
        "order",
        order.reference,
        label=f"{order.reference} ({len(granted)} product{'s' if len(granted) != 1 else ''})",
        reason=text,
    )
    return len(granted)
