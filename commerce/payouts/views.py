"""What the payouts pages show: the seller's account, balances, upcoming and past payouts
with their orders; the admins' schedule and every shop's payouts. Every amount comes from
ledger entries (balances and what the next payout carries are sums of postings; a payout's
amount is the sum of the ledger transactions it settled)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from commerce import ledger
from commerce.actor import Actor, require_admin, require_shop
from commerce.i18n import bo_gettext, bo_N_
from commerce.kit.spreadsheet import csv_row
from commerce.kit.time import day_label, minute_label, utcnow
from commerce.ledger.service import STATEMENT_HEADER, statement_rows
from commerce.models import (
    JobIdempotencyKey,
    LedgerTransaction,
    Order,
    Payout,
    PayoutAccount,
    PayoutAccountStatus,
    PayoutItem,
    PayoutStatus,
    Shop,
    saved_id,
)
from commerce.money import Money, format_money
from commerce.payments.connect import requirement_label
from commerce.payouts import engine
from commerce.payouts.accounts import shop_account
from commerce.payouts.schedule import (
    ScheduleView,
    current_schedule,
    describe,
    due_run_key,
    minimum_amount,
    next_run_day,
)

ACCOUNT_LABELS = {
    PayoutAccountStatus.DETAILS_NEEDED: bo_N_("Details needed"),
    PayoutAccountStatus.RESTRICTED: bo_N_("Restricted"),
    PayoutAccountStatus.ENABLED: bo_N_("Enabled"),
}
STATUS_LABELS = {
    PayoutStatus.PENDING: bo_N_("Sending"),
    PayoutStatus.IN_TRANSIT: bo_N_("On its way"),
    PayoutStatus.PAID: bo_N_("Paid"),
    PayoutStatus.FAILED: bo_N_("Failed"),
}
PAST_PAYOUTS = 50


@dataclass(frozen=True)
class AccountView:
    connected: bool
    status: str
    status_label: str
    missing: list[str]
    bank_label: str
    disabled_reason: str


@dataclass(frozen=True)
class UpcomingPayout:
    currency: str
    amount: int
    amount_label: str
    day_label: str
    will_pay: bool
    note: str
    orders: list[str]


@dataclass(frozen=True)
class PayoutView:
    id: int
    shop_name: str
    created_label: str
    currency: str
    amount: int
    amount_label: str
    status: str
    status_label: str
    failure_message: str
    reversed_label: str
    orders: list[str]


@dataclass(frozen=True)
class SellerPayoutsPage:
    account: AccountView
    balances: list[ledger.SellerBalance]
    upcoming: list[UpcomingPayout]
    payouts: list[PayoutView]
    schedule: ScheduleView


def _account_view(account: PayoutAccount | None) -> AccountView:
    if account is None:
        return AccountView(False, "", bo_gettext("Not connected"), [bo_gettext("a payout account")], "", "")
    missing = [requirement_label(name) for name in account.requirements.split(",") if name]
    return AccountView(
        connected=True,
        status=account.status,
        status_label=bo_gettext(ACCOUNT_LABELS[account.status]),
        missing=list(dict.fromkeys(missing)),
        bank_label=account.bank_label,
        disabled_reason=account.disabled_reason.replace("_", " ").replace(".", ": "),
    )


def _references(s: Session, transaction_ids: list[int]) -> list[str]:
    if not transaction_ids:
        return []
    rows = s.exec(
        select(Order.reference)
        .join(LedgerTransaction, col(LedgerTransaction.order_id) == col(Order.id))
        .where(col(LedgerTransaction.id).in_(transaction_ids))
        .order_by(col(Order.id))
    ).all()
    return list(dict.fromkeys(rows))


def _payout_views(s: Session, payouts: list[Payout], names: dict[int, str]) -> list[PayoutView]:
    items: dict[int, list[int]] = defaultdict(list)
    ids = [saved_id(p) for p in payouts]
    for item in s.exec(select(PayoutItem).where(col(PayoutItem.payout_id).in_(ids))).all() if ids else []:
        items[item.payout_id].append(item.transaction_id)
    return [
        PayoutView(
            id=saved_id(p),
            shop_name=names.get(p.shop_id, ""),
            created_label=minute_label(p.created_at),
            currency=p.currency,
            amount=p.amount,
            amount_label=format_money(Money(p.amount, p.currency)),
            status=p.status,
            status_label=bo_gettext(STATUS_LABELS[p.status]),
            failure_message=p.failure_message,
            reversed_label=format_money(Money(p.reversed_amount, p.currency)) if p.reversed_amount else "",
            orders=_references(s, items[saved_id(p)]),
        )
        for p in payouts
    ]


def _ran_today(s: Session, now: datetime) -> bool:
    key = due_run_key(current_schedule(s), now)
    return key is not None and s.get(JobIdempotencyKey, f"payout-run:{key}") is not None


def seller_payouts_page(s: Session, actor: Actor, *, now: datetime | None = None) -> SellerPayoutsPage:
    shop_id = require_shop(actor)
    now = now or utcnow()
    account = shop_account(s, shop_id)
    schedule = current_schedule(s)
    next_day = next_run_day(schedule, now, ran_today=_ran_today(s, now))
    upcoming = []
    for currency, rows in sorted(engine.unsettled(s, shop_id, now).items()):
        total = sum(row.amount for row in rows)
        minimum = minimum_amount(schedule, currency)
        if account is None or account.status != PayoutAccountStatus.ENABLED:
            will_pay, why = False, bo_gettext("Connect your payout account to be paid.")
        elif total < 0:
            will_pay, why = (
                False,
                bo_gettext("Refunds took back more than was available: later earnings settle this first."),
            )
        elif total < minimum or total == 0:
            will_pay, why = (
                False,
                bo_gettext("Payouts start at {amount}.", amount=format_money(Money(minimum, currency))),
            )
        else:
            will_pay, why = True, ""
        upcoming.append(
            UpcomingPayout(
                currency=currency,
                amount=total,
                amount_label=format_money(Money(total, currency)),
                day_label=day_label(next_day),
                will_pay=will_pay,
                note=why,
                orders=_references(s, [row.transaction_id for row in rows]),
            )
        )
    payouts = s.exec(
        select(Payout).where(Payout.shop_id == shop_id).order_by(col(Payout.id).desc()).limit(PAST_PAYOUTS)
    ).all()
    return SellerPayoutsPage(
        account=_account_view(account),
        balances=ledger.seller_balances(s, actor, now=now),
        upcoming=upcoming,
        payouts=_payout_views(s, list(payouts), {}),
        schedule=describe(schedule),
    )


@dataclass(frozen=True)
class AdminPayoutsPage:
    schedule: ScheduleView
    payouts: list[PayoutView]
    failed: int
    connected_accounts: int


def admin_payouts_page(s: Session, actor: Actor, *, failed_only: bool = False) -> AdminPayoutsPage:
    require_admin(actor, "admin_payouts_page")
    query = select(Payout)
    if failed_only:
        query = query.where(Payout.status == PayoutStatus.FAILED)
    payouts = s.exec(query.order_by(col(Payout.id).desc()).limit(100)).all()
    names = dict(s.exec(select(Shop.id, Shop.name)).all())
    return AdminPayoutsPage(
        schedule=describe(current_schedule(s)),
        payouts=_payout_views(s, list(payouts), {k: v for k, v in names.items() if k is not None}),
        failed=len(s.exec(select(Payout.id).where(Payout.status == PayoutStatus.FAILED)).all()),
        connected_accounts=len(
            s.exec(select(PayoutAccount.id).where(PayoutAccount.status == PayoutAccountStatus.ENABLED)).all()
        ),
    )


SessionFactory = Callable[[], AbstractContextManager[Session]]


def statement_csv(session_factory: SessionFactory, actor: Actor) -> Iterator[str]:
    """The seller's statement for the HTTP route: permission checked before the first row,
    then rows streamed batch by batch from one session."""
    shop_id = require_shop(actor)

    def rows() -> Iterator[str]:
        yield csv_row(STATEMENT_HEADER)
        with session_factory() as s:
            yield from statement_rows(s, shop_id)

    return rows()
