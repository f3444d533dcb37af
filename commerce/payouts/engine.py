"""The payout state machine and its ledger entries.

    pending ──transfer made──> in_transit ──bank payout paid──> paid
       │                          │                              │
       └──────── refused ─────────┴──── bank payout failed ──────┘──> failed

A payout is created with the ledger transactions it settles: the shop's earnings in one
currency that are available and that no payout has settled, refunds and disputes
included, so a negative balance is settled by later earnings before anything is paid.
Creating it posts `payout` (earnings -> seller_payouts); a failure posts `payout_fail`
for what the transfer still carried and releases everything the payout had settled, so
the money is available again and goes in the next payout, once. Money taken back from a
transfer after a refund or dispute posts `reversal`, which the next payout nets.

Nothing here talks to the provider: `commerce.payouts.tasks` does, between transactions,
and calls these functions with the outcome. Each is safe to call twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from commerce import events
from commerce.errors import Conflict
from commerce.i18n import bo_gettext
from commerce.kit.time import utcnow
from commerce.ledger.service import post_payout_entry
from commerce.models import (
    LedgerAccount,
    LedgerEntryKind,
    LedgerPosting,
    LedgerTransaction,
    Payout,
    PayoutAccount,
    PayoutAccountStatus,
    PayoutItem,
    PayoutStatus,
    primary_key,
    saved_id,
)
from commerce.payments.connect import PayoutSent
from commerce.payouts.schedule import current_schedule, minimum_amount

log = logging.getLogger(__name__)

ACTIVE = (PayoutStatus.PENDING, PayoutStatus.IN_TRANSIT)
# A pending payout whose transfer job was lost is sent again by the next run after this long.
STUCK_AFTER_SECONDS = 600


@dataclass(frozen=True)
class Unsettled:
    transaction_id: int
    amount: int  # the seller's earnings it carries (negative for refunds and disputes)


def unsettled(s: Session, shop_id: int, now: datetime) -> dict[str, list[Unsettled]]:
    """Per currency, the shop's available earnings no payout has settled yet."""
    rows = s.exec(
        select(LedgerTransaction.id, LedgerPosting.currency, LedgerPosting.amount)
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerPosting.transaction_id))
        .where(
            LedgerPosting.account == LedgerAccount.SELLER_EARNINGS,
            LedgerPosting.shop_id == shop_id,
            col(LedgerTransaction.payout_id).is_(None),
            col(LedgerTransaction.available_at) <= now,
        )
        .order_by(col(LedgerTransaction.id))
    ).all()
    found: dict[str, list[Unsettled]] = defaultdict(list)
    for tx_id, currency, amount in rows:
        found[currency].append(Unsettled(transaction_id=primary_key(tx_id), amount=-amount))
    return dict(found)


def available_to_pay(s: Session, shop_id: int, now: datetime) -> dict[str, int]:
    """Per currency, what the next payout would carry (negative: a debt later earnings settle)."""
    return {currency: sum(row.amount for row in rows) for currency, rows in unsettled(s, shop_id, now).items()}


def _lock_account(s: Session, shop_id: int) -> PayoutAccount | None:
    return s.exec(select(PayoutAccount).where(PayoutAccount.shop_id == shop_id).with_for_update()).first()


def create_payouts(
    s: Session, *, now: datetime | None = None, run_key: str, shop_ids: list[int] | None = None
) -> list[int]:
    """Create a pending payout for every enabled account's currency whose available,
    unsettled earnings reach the schedule's minimum; returns their ids (send each with the
    `send_payout` job after commit). Running it again finds nothing left to pay."""
    now = now or utcnow()
    schedule = current_schedule(s)
    query = select(PayoutAccount.shop_id).where(PayoutAccount.status == PayoutAccountStatus.ENABLED)
    if shop_ids is not None:
        query = query.where(col(PayoutAccount.shop_id).in_(shop_ids))
    created = []
    for shop_id in s.exec(query.order_by(col(PayoutAccount.shop_id))).all():
        account = _lock_account(s, shop_id)
        if account is None or account.status != PayoutAccountStatus.ENABLED:
            continue
        for currency, rows in sorted(unsettled(s, shop_id, now).items()):
            total = sum(row.amount for row in rows)
            if total <= 0 or total < minimum_amount(schedule, currency):
                continue
            created.append(_create(s, account, currency, rows, total, run_key))
    return created


def _create(s: Session, account: PayoutAccount, currency: str, rows: list[Unsettled], total: int, run_key: str) -> int:
    payout = Payout(
        shop_id=account.shop_id,
        payout_account_id=saved_id(account),
        currency=currency,
        amount=total,
        run_key=run_key[:40],
    )
    s.add(payout)
    s.flush()
    payout_id = saved_id(payout)
    ids = [row.transaction_id for row in rows]
    claimed = s.exec(
        update(LedgerTransaction)
        .where(col(LedgerTransaction.id).in_(ids), col(LedgerTransaction.payout_id).is_(None))
        .values(payout_id=payout_id)
    ).rowcount
    if claimed != len(ids):  # another run settled some of them meanwhile: pay nothing twice
        raise Conflict(bo_gettext("These earnings are being paid out by another run."))
    for row in rows:
        s.add(PayoutItem(payout_id=payout_id, transaction_id=row.transaction_id, amount=row.amount))
    post_payout_entry(
        s,
        LedgerEntryKind.PAYOUT,
        shop_id=account.shop_id,
        currency=currency,
        amount=total,
        memo=f"Payout #{payout_id}",
        payout_id=payout_id,
    )
    s.flush()
    return payout_id


def stuck_payouts(s: Session, now: datetime) -> list[int]:
    """Pending payouts with no transfer recorded for a while: their job was lost."""
    return by_id_list(
        s.exec(
            select(Payout).where(
                Payout.status == PayoutStatus.PENDING,
                Payout.transfer_id == "",
                col(Payout.created_at) <= now - timedelta(seconds=STUCK_AFTER_SECONDS),
            )
        ).all()
    )


def by_id_list(rows) -> list[int]:
    return [saved_id(row) for row in rows]


def _lock_payout(s: Session, payout_id: int) -> Payout:
    payout = s.exec(select(Payout).where(Payout.id == payout_id).with_for_update()).first()
    if payout is None:
        raise Conflict(bo_gettext("There is no payout #{number}.", number=payout_id))
    return payout


def record_sent(s: Session, payout_id: int, sent: PayoutSent) -> Payout:
    """The provider made the transfer (and started the bank payout): pending -> in_transit.
    A bank payout event that overtook this keeps its later status."""
    payout = _lock_payout(s, payout_id)
    payout.transfer_id = payout.transfer_id or sent.transfer_id
    payout.bank_payout_id = payout.bank_payout_id or sent.bank_payout_id
    if payout.status == PayoutStatus.PENDING:
        payout.status = PayoutStatus.IN_TRANSIT
    s.add(payout)
    s.flush()
    return payout


def mark_paid(s: Session, payout_id: int, *, bank_payout_id: str | None = None, at: datetime | None = None) -> bool:
    """The bank payout arrived: -> paid (once). False when there was nothing to change."""
    payout = _lock_payout(s, payout_id)
    if payout.status not in ACTIVE:
        return False
    payout.status, payout.paid_at = PayoutStatus.PAID, at or utcnow()
    if bank_payout_id and not payout.bank_payout_id:
        payout.bank_payout_id = bank_payout_id
    s.add(payout)
    s.flush()
    events.publish(s, events.PayoutPaid(payout_id=payout_id, shop_id=payout.shop_id))
    return True


def mark_failed(s: Session, payout_id: int, message: str, *, at: datetime | None = None) -> bool:
    """The transfer was refused, or the bank payout failed and the transfer came back:
    -> failed, the money available again and the seller told (PayoutFailed). Once."""
    payout = _lock_payout(s, payout_id)
    if payout.status == PayoutStatus.FAILED:
        return False
    still_out = payout.amount - payout.reversed_amount
    if still_out > 0:
        post_payout_entry(
            s,
            LedgerEntryKind.PAYOUT_FAILED,
            shop_id=payout.shop_id,
            currency=payout.currency,
            amount=still_out,
            memo=f"Payout #{payout_id} failed",
            payout_id=None,
        )
    # Everything it settled (its own payout entry too) waits for the next payout again.
    s.exec(update(LedgerTransaction).where(col(LedgerTransaction.payout_id) == payout_id).values(payout_id=None))
    payout.status, payout.failed_at = PayoutStatus.FAILED, at or utcnow()
    payout.failure_message = (message or "The payout failed.")[:300]
    s.add(payout)
    s.flush()
    events.publish(s, events.PayoutFailed(payout_id=payout_id, shop_id=payout.shop_id))
    return True


def note(s: Session, payout_id: int, message: str) -> None:
    """Keep what went wrong on a payout that could not be settled automatically (admins see it)."""
    payout = _lock_payout(s, payout_id)
    payout.failure_message = message[:300]
    s.add(payout)
    s.flush()


@dataclass(frozen=True)
class Reversible:
    payout_id: int
    transfer_id: str
    currency: str
    remaining: int  # what can still be taken back from its transfer
    reversed_amount: int


def deficits(s: Session, shop_id: int, now: datetime | None = None) -> dict[str, int]:
    """Per currency, how far the shop's available balance is below zero (refunds or disputes
    of earnings already paid out)."""
    return {currency: -total for currency, total in available_to_pay(s, shop_id, now or utcnow()).items() if total < 0}


def reversible(s: Session, shop_id: int, currency: str) -> list[Reversible]:
    """Transfers of the shop in `currency` that money can still be taken back from, newest first."""
    rows = s.exec(
        select(Payout)
        .where(
            Payout.shop_id == shop_id,
            Payout.currency == currency,
            col(Payout.status).in_((PayoutStatus.IN_TRANSIT, PayoutStatus.PAID)),
            Payout.transfer_id != "",
        )
        .order_by(col(Payout.id).desc())
    ).all()
    return [
        Reversible(saved_id(p), p.transfer_id, p.currency, p.amount - p.reversed_amount, p.reversed_amount)
        for p in rows
        if p.amount > p.reversed_amount
    ]


def record_reversal(s: Session, payout_id: int, amount: int, *, reversed_before: int) -> bool:
    """`amount` came back from the payout's transfer: posted as available again (a `reversal`
    the next payout nets against the refund). False if another run recorded it first."""
    payout = _lock_payout(s, payout_id)
    if payout.reversed_amount != reversed_before or amount <= 0:
        return False
    payout.reversed_amount += amount
    s.add(payout)
    post_payout_entry(
        s,
        LedgerEntryKind.REVERSAL,
        shop_id=payout.shop_id,
        currency=payout.currency,
        amount=amount,
        memo=f"Taken back from payout #{payout_id}",
        payout_id=None,
    )
    return True


def settled_total(s: Session, payout_id: int) -> int:
    """What the ledger says the payout carried: the sum of its items (for reconciliation)."""
    return sum(item.amount for item in s.exec(select(PayoutItem).where(PayoutItem.payout_id == payout_id)).all())
