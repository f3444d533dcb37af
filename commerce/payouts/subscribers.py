"""What payouts do when something happens elsewhere, and the seller's notices of their own
payouts. Listed in `commerce.wiring.SUBSCRIBERS`."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from commerce import events
from commerce.config import get_settings
from commerce.jobs import enqueue_after_commit
from commerce.links import SELLER_PAYOUTS_PATH, absolute
from commerce.models import Fulfilment, OrderLine, Payout, PayoutAccount, Shop, User, saved_id
from commerce.money import Money, format_money
from commerce.notifications import inapp
from commerce.notifications.tasks import enqueue_email
from commerce.payouts.tasks import recover_balance


def _recover(s: Session, shop_ids: set[int]) -> None:
    connected = s.exec(select(PayoutAccount.shop_id).where(col(PayoutAccount.shop_id).in_(shop_ids))).all()
    for shop_id in sorted(connected):
        enqueue_after_commit(s, recover_balance, shop_id=shop_id)


def recover_after_refund(s: Session, event: events.OrderRefunded) -> None:
    """A refund may take back earnings already paid out: after commit, take the difference back
    from the transfers (or leave a negative balance that later earnings settle)."""
    shops = s.exec(select(OrderLine.shop_id).where(OrderLine.order_id == event.order_id)).all()
    _recover(s, set(shops))


def recover_after_revocation(s: Session, event: events.FulfilmentRevoked) -> None:
    """A dispute (or a refund in full) withdrew a sale: the same, for its shop."""
    fulfilment = s.get_one(Fulfilment, event.fulfilment_id)
    line = s.get_one(OrderLine, fulfilment.order_line_id)
    _recover(s, {line.shop_id})


def _owner(s: Session, payout: Payout) -> User:
    return s.get_one(User, s.get_one(Shop, payout.shop_id).owner_id)


def _tell_seller(s: Session, payout_id: int, kind: str, *, title: str, body: str = "", **email: Any) -> None:
    """An in-app notice and an email to the payout's seller, once each (`kind` and the payout)."""
    payout = s.get_one(Payout, payout_id)
    owner = _owner(s, payout)
    inapp.notify(
        s,
        saved_id(owner),
        kind=kind,
        title=title,
        body=body,
        url=SELLER_PAYOUTS_PATH,
        dedupe_key=f"{kind}:{payout_id}",
    )
    enqueue_email(
        s,
        to=owner.email,
        kind=kind,
        idempotency_key=f"{kind}:{payout_id}",
        seller=owner.display_name,
        amount=payout.amount,
        currency=payout.currency,
        payouts_url=absolute(get_settings().base_url, SELLER_PAYOUTS_PATH),
        **email,
    )


def tell_seller_paid(s: Session, event: events.PayoutPaid) -> None:
    """The seller's notice and email that a payout reached their bank."""
    payout = s.get_one(Payout, event.payout_id)
    amount = format_money(Money(payout.amount, payout.currency))
    _tell_seller(s, event.payout_id, "payout_paid", title=f"Payout of {amount} sent to your bank")


def tell_seller_failed(s: Session, event: events.PayoutFailed) -> None:
    """The seller's notice and email that a payout failed and its money is available again."""
    payout = s.get_one(Payout, event.payout_id)
    amount = format_money(Money(payout.amount, payout.currency))
    _tell_seller(
        s,
        event.payout_id,
        "payout_failed",
        title=f"Payout of {amount} failed",
        body=f"{payout.failure_message} The money is back in your available balance.",
        reason=payout.failure_message,
    )
