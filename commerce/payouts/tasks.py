"""Payout jobs: each talks to the payout provider outside any transaction, then records the
outcome with `engine` in a short one. Each may run twice: the provider's idempotency keys
make a retried transfer or reversal the same one, and `engine` changes a payout once."""

from __future__ import annotations

import logging

from sqlmodel import Session, select

from commerce.db import unit_of_work
from commerce.jobs import claim_idempotency_key, enqueue_after_commit, job
from commerce.kit.time import utcnow
from commerce.models import Payout, PayoutAccount, PayoutAccountStatus, PayoutStatus
from commerce.payments.connect import PayoutRefused, ReversalRefused, connect_provider
from commerce.payouts import engine
from commerce.payouts.schedule import current_schedule, due_run_key

log = logging.getLogger(__name__)


class TransferNotRecordedYet(Exception):
    """A bank payout's failure arrived before its transfer was recorded: try again shortly."""


@job(max_retries=10, min_backoff_ms=5_000, max_backoff_ms=3_600_000, queue="payouts", priority=3)
def send_payout(payout_id: int) -> None:
    """Transfer a pending payout to the seller's account and start the bank payout."""
    with unit_of_work() as s:
        payout = s.get(Payout, payout_id)
        if payout is None or payout.status != PayoutStatus.PENDING or payout.transfer_id:
            return
        account = s.get_one(PayoutAccount, payout.payout_account_id)
        request = dict(
            account_id=account.account_id,
            bank_account_id=account.bank_account_id,
            amount=payout.amount,
            currency=payout.currency,
            payout_id=payout_id,
            idempotency_key=f"payout-{payout_id}",
        )
    provider = connect_provider()
    try:
        sent = provider.send_payout(**request)  # type: ignore[arg-type]
    except PayoutRefused as refused:
        if refused.transfer_id:
            # The transfer went through but the bank payout was refused: take the transfer back.
            _take_back(payout_id, refused.transfer_id, request["amount"], request["currency"], refused.message)  # type: ignore[arg-type]
            return
        with unit_of_work() as s:
            engine.mark_failed(s, payout_id, refused.message)
        return
    with unit_of_work() as s:
        engine.record_sent(s, payout_id, sent)


def _take_back(payout_id: int, transfer_id: str, amount: int, currency: str, message: str) -> None:
    try:
        connect_provider().reverse_transfer(
            transfer_id, amount=amount, currency=currency, idempotency_key=f"payout-{payout_id}-return"
        )
    except ReversalRefused as refused:
        # The money stays in the seller's account at the provider: theirs, not available here.
        log.error("payout %s: bank payout failed and the transfer could not be taken back: %s", payout_id, refused)
        with unit_of_work() as s:
            engine.note(s, payout_id, f"{message} The transfer could not be taken back: {refused.message}")
        return
    with unit_of_work() as s:
        engine.mark_failed(s, payout_id, message)


@job(max_retries=10, min_backoff_ms=5_000, max_backoff_ms=3_600_000, queue="payouts", priority=3)
def return_failed_payout(payout_id: int, message: str) -> None:
    """The bank refused the payout: take what the transfer still carries back to the platform,
    then the payout fails and its money is available again."""
    with unit_of_work() as s:
        payout = s.get(Payout, payout_id)
        if payout is None or payout.status == PayoutStatus.FAILED:
            return
        if not payout.transfer_id:
            raise TransferNotRecordedYet(f"payout {payout_id} has no transfer recorded yet")
        transfer_id, remaining, currency = payout.transfer_id, payout.amount - payout.reversed_amount, payout.currency
    if remaining <= 0:
        with unit_of_work() as s:
            engine.mark_failed(s, payout_id, message)
        return
    _take_back(payout_id, transfer_id, remaining, currency, message)


@job(max_retries=10, min_backoff_ms=5_000, max_backoff_ms=3_600_000, queue="payouts", priority=4)
def recover_balance(shop_id: int) -> None:
    """Refunds or disputes of earnings already paid out left the balance below zero: take
    the difference back from the shop's transfers where the provider allows it. What cannot
    be taken back stays a negative balance that later earnings settle first."""
    with unit_of_work() as s:
        owed = engine.deficits(s, shop_id)
        candidates = {currency: engine.reversible(s, shop_id, currency) for currency in owed}
    provider = connect_provider()
    for currency, deficit in owed.items():
        for candidate in candidates[currency]:
            if deficit <= 0:
                break
            amount = min(deficit, candidate.remaining)
            try:
                provider.reverse_transfer(
                    candidate.transfer_id,
                    amount=amount,
                    currency=currency,
                    idempotency_key=f"payout-{candidate.payout_id}-reversal-{candidate.reversed_amount}",
                )
            except ReversalRefused as refused:
                log.info("payout %s: could not take back %s: %s", candidate.payout_id, amount, refused.message)
                continue
            with unit_of_work() as s:
                if engine.record_reversal(s, candidate.payout_id, amount, reversed_before=candidate.reversed_amount):
                    deficit -= amount


def start_run(s: Session, *, run_key: str, shop_ids: list[int] | None = None) -> list[int]:
    """Create the run's payouts and send each after commit; shops owing money first try to
    take it back. Pending payouts whose job was lost are sent again."""
    now = utcnow()
    query = select(PayoutAccount.shop_id).where(PayoutAccount.status == PayoutAccountStatus.ENABLED)
    for shop_id in s.exec(query).all():
        if (shop_ids is None or shop_id in shop_ids) and engine.deficits(s, shop_id, now):
            enqueue_after_commit(s, recover_balance, shop_id=shop_id)
    created = engine.create_payouts(s, now=now, run_key=run_key, shop_ids=shop_ids)
    for payout_id in [*created, *engine.stuck_payouts(s, now)]:
        enqueue_after_commit(s, send_payout, payout_id=payout_id)
    return created


@job(max_retries=3, min_backoff_ms=60_000, queue="payouts", priority=5)
def run_scheduled_payouts() -> None:
    """The admin's schedule: once on each day it is due (the run key is claimed once)."""
    with unit_of_work() as s:
        key = due_run_key(current_schedule(s), utcnow())
        if key is None or not claim_idempotency_key(s, f"payout-run:{key}"):
            return
        created = start_run(s, run_key=key)
    log.info("payouts: run %s created %d payouts", key, len(created))
