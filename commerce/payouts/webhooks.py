"""Connect webhook events, each recorded once by (provider, event id) in the transaction
that acts on it: account status changes and how bank payouts ended."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from commerce.db import unit_of_work
from commerce.jobs import enqueue_after_commit
from commerce.models import ConnectEvent, Payout, PayoutAccount, PayoutStatus
from commerce.payments.connect import ConnectNotice, ConnectNoticeKind, ConnectProvider
from commerce.payouts import engine
from commerce.payouts.accounts import apply_account_state
from commerce.payouts.tasks import return_failed_payout

log = logging.getLogger(__name__)


def receive(provider: ConnectProvider, payload: bytes, headers: Mapping[str, str]) -> str:
    """Verify, record and act on one delivery; raises the provider's WebhookError when refused."""
    notice = provider.parse_webhook(payload, headers)
    with unit_of_work() as s:
        return handle_notice(s, notice)


def handle_notice(s: Session, notice: ConnectNotice) -> str:
    row = ConnectEvent(
        provider=notice.provider,
        event_id=notice.event_id,
        type=notice.raw_type[:80],
        account_id=notice.account_id[:64],
        created=notice.created,
    )
    try:
        with s.begin_nested():
            s.add(row)
            s.flush()
    except IntegrityError:
        return "duplicate"
    row.outcome = _apply(s, notice)[:200]
    s.add(row)
    s.flush()
    return row.outcome


def _apply(s: Session, notice: ConnectNotice) -> str:
    if notice.kind == ConnectNoticeKind.IGNORED:
        return "ignored"
    account = s.exec(
        select(PayoutAccount).where(
            PayoutAccount.provider == notice.provider, PayoutAccount.account_id == notice.account_id
        )
    ).first()
    if account is None:
        log.warning("connect event %s names no known account %r", notice.event_id, notice.account_id)
        return "unknown account"
    if notice.kind == ConnectNoticeKind.ACCOUNT_UPDATED:
        assert notice.account is not None
        return apply_account_state(s, account, notice.account, at=notice.created)
    payout = s.get(Payout, notice.payout_id) if notice.payout_id is not None else None
    if payout is None or payout.payout_account_id != account.id:
        log.warning("connect event %s names no payout of account %s", notice.event_id, notice.account_id)
        return "unknown payout"
    if notice.kind == ConnectNoticeKind.PAYOUT_PAID:
        changed = engine.mark_paid(s, payout.id or 0, bank_payout_id=notice.bank_payout_id, at=notice.created)
        return "paid" if changed else f"already {payout.status}"
    if payout.status == PayoutStatus.FAILED:
        return "already failed"
    enqueue_after_commit(
        s, return_failed_payout, payout_id=payout.id, message=notice.failure_message or "The bank refused the payout."
    )
    return "failing: taking the transfer back"
