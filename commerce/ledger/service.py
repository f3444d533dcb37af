"""Double-entry postings for sales and refunds, and the balances derived from them.

Sign convention: a positive amount is a debit, a negative one a credit; every
transaction's postings sum to zero. A sale of one order line (total = net + tax):

    buyer_payment        +total   the money the gateway collected
    tax_collected        -tax     owed to the tax authority
    platform_commission  -commission (shop take rate on the net amount)
    gateway_fee          -fee     the provider's cut, estimated from its percentage
    seller_earnings      -(net - commission - fee), for the seller's shop

A refund posts the same accounts the other way, in proportion to the part of
the line refunded; a line refunded in full is reversed exactly. Balances are
never stored: they are sums over postings. Seller earnings are pending until the
sale's hold period ends, then available for payout.

A dispute (the buyer's bank contests the payment) moves what the seller still
earns on each line out of their earnings into `dispute_hold`, kept per shop:

    seller_earnings      +held
    dispute_hold         -held

so it is neither pending nor available for payout while the bank decides. A
refund of a disputed line takes the seller's part from the hold.

Payouts (`commerce.payouts`) move available earnings to `seller_payouts`, per shop:

    seller_earnings      +amount   (payout: transferred to the seller)
    seller_payouts       -amount

A failed transfer or bank payout posts the reverse (`payout_fail`), and money taken
back from a transfer after a refund or dispute (`reversal`) does the same for its part.
Each transaction that a payout settles points at it (`payout_id`); what no payout has
settled yet is what the next one pays, a negative balance included.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_admin, require_shop
from commerce.kit.spreadsheet import csv_row
from commerce.kit.time import utcnow
from commerce.models import (
    LedgerAccount,
    LedgerEntryKind,
    LedgerPosting,
    LedgerTransaction,
    Order,
    OrderLine,
    Refund,
    Shop,
    saved_id,
)
from commerce.money import Money, apply_percent, format_money

# Accounts whose postings belong to one shop.
SHOP_ACCOUNTS = (LedgerAccount.SELLER_EARNINGS, LedgerAccount.DISPUTE_HOLD, LedgerAccount.SELLER_PAYOUTS)
# Ledger kinds that move money between the platform and a seller's connected account.
PAYOUT_KINDS = (LedgerEntryKind.PAYOUT, LedgerEntryKind.PAYOUT_FAILED, LedgerEntryKind.REVERSAL)
DEFAULT_HOLD = timedelta(days=7)
# Card fee percentage per provider, used to estimate the gateway's cut at sale time
# (the test gateway mirrors Stripe's standard card rate so balances look realistic).
GATEWAY_FEE_BPS = {"stripe": 290, "testpay": 290}


@dataclass(frozen=True)
class SellerBalance:
    shop_id: int
    currency: str
    sales: int  # seller earnings from sales
    refunds: int  # earnings taken back by refunds
    disputed: int  # earnings held while buyers' banks decide disputes, not payable
    pending: int
    available: int
    pending_label: str
    available_label: str
    disputed_label: str
    paid_out: int = 0  # transferred to the seller, net of what came back
    paid_out_label: str = ""


@dataclass(frozen=True)
class PayoutRow:
    shop_id: int
    shop_name: str
    currency: str
    sales: int
    refunds: int
    disputed: int
    pending: int
    available: int
    paid_out: int = 0


def _post(s: Session, tx: LedgerTransaction, legs: dict[LedgerAccount, int], shop_id: int, currency: str) -> None:
    if sum(legs.values()) != 0:
        raise AssertionError(f"unbalanced ledger transaction: {legs}")
    s.add(tx)
    s.flush()
    for account, amount in legs.items():
        s.add(
            LedgerPosting(
                transaction_id=saved_id(tx),
                account=account,
                amount=amount,
                currency=currency,
                shop_id=shop_id if account in SHOP_ACCOUNTS else None,
            )
        )
    s.flush()


def post_sale(s: Session, order: Order, line: OrderLine, shop: Shop, *, hold: timedelta = DEFAULT_HOLD) -> None:
    """Record the sale of one paid order line (nothing for a free line); `shop` is the line's,
    read by the caller with the lines, for its take rate."""
    if line.total == 0:
        return
    commission = apply_percent(Money(line.net, order.currency), shop.take_rate_bps).amount
    fee = apply_percent(Money(line.total, order.currency), GATEWAY_FEE_BPS.get(order.payment_provider or "", 0)).amount
    legs = {
        LedgerAccount.BUYER_PAYMENT: line.total,
        LedgerAccount.TAX_COLLECTED: -line.tax,
        LedgerAccount.PLATFORM_COMMISSION: -commission,
        LedgerAccount.GATEWAY_FEE: -fee,
        LedgerAccount.SELLER_EARNINGS: -(line.net - commission - fee),
    }
    now = utcnow()
    tx = LedgerTransaction(
        order_id=saved_id(order),
        order_line_id=saved_id(line),
        kind=LedgerEntryKind.SALE,
        memo=f"Sale {order.reference}",
        created_at=now,
        available_at=now + hold,
    )
    _post(s, tx, legs, line.shop_id, order.currency)


def _line_legs(
    s: Session, line_id: int, kind: LedgerEntryKind
) -> tuple[dict[LedgerAccount, int], LedgerTransaction | None]:
    rows = s.exec(
        select(LedgerPosting, LedgerTransaction)
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerPosting.transaction_id))
        .where(LedgerTransaction.order_line_id == line_id, LedgerTransaction.kind == kind)
    ).all()
    legs: dict[LedgerAccount, int] = defaultdict(int)
    first = None
    for posting, tx in rows:
        legs[posting.account] += posting.amount
        first = first or tx
    return dict(legs), first


def post_refund(s: Session, order: Order, line: OrderLine, refund: Refund) -> None:
    """Reverse the line's sale in proportion to what has been refunded so far.

    Computed on the cumulative refunded amount, so several partial refunds of a
    line add up to the exact reversal of its sale.
    """
    sale, sale_tx = _line_legs(s, saved_id(line), LedgerEntryKind.SALE)
    if sale_tx is None:
        return
    reversed_so_far, _ = _line_legs(s, saved_id(line), LedgerEntryKind.REFUND)
    refunded = line.refunded_amount  # already includes this refund

    def target(account: LedgerAccount) -> int:
        share = Decimal(sale.get(account, 0)) * refunded / line.total
        return -int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    legs = {LedgerAccount.BUYER_PAYMENT: -refund.amount}
    for account in (LedgerAccount.TAX_COLLECTED, LedgerAccount.PLATFORM_COMMISSION, LedgerAccount.GATEWAY_FEE):
        legs[account] = target(account) - reversed_so_far.get(account, 0)
    seller_part = -sum(legs.values())
    # A disputed line's earnings sit in the hold: the refund takes the seller's part from there.
    from_hold = max(0, min(seller_part, -_line_total(s, saved_id(line), LedgerAccount.DISPUTE_HOLD)))
    legs[LedgerAccount.SELLER_EARNINGS] = seller_part - from_hold
    if from_hold:
        legs[LedgerAccount.DISPUTE_HOLD] = from_hold
    tx = LedgerTransaction(
        order_id=saved_id(order),
        order_line_id=saved_id(line),
        refund_id=refund.id,
        kind=LedgerEntryKind.REFUND,
        memo=f"Refund {order.reference}",
        available_at=sale_tx.available_at,
    )
    _post(s, tx, legs, line.shop_id, order.currency)


def _line_total(s: Session, line_id: int, account: LedgerAccount) -> int:
    """The sum of one account's postings for an order line, across sales, refunds and disputes."""
    total = s.exec(
        select(func.sum(LedgerPosting.amount))
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerPosting.transaction_id))
        .where(LedgerTransaction.order_line_id == line_id, LedgerPosting.account == account)
    ).one()
    return int(total or 0)


def post_dispute_hold(s: Session, order: Order, line: OrderLine) -> None:
    """Hold what the seller still earns on a disputed line, so it is not paid out.

    Idempotent: a second dispute event for the same line finds nothing left to hold.
    The hold keeps the sale's availability date, so the sale and its hold cancel
    out in the same bucket (pending or available).
    """
    _, sale_tx = _line_legs(s, saved_id(line), LedgerEntryKind.SALE)
    if sale_tx is None:
        return
    earned = -_line_total(s, saved_id(line), LedgerAccount.SELLER_EARNINGS)
    if earned <= 0:
        return
    tx = LedgerTransaction(
        order_id=saved_id(order),
        order_line_id=saved_id(line),
        kind=LedgerEntryKind.DISPUTE,
        memo=f"Dispute {order.reference}",
        available_at=sale_tx.available_at,
    )
    legs = {LedgerAccount.SELLER_EARNINGS: earned, LedgerAccount.DISPUTE_HOLD: -earned}
    _post(s, tx, legs, line.shop_id, order.currency)


def account_totals(s: Session, order_id: int) -> dict[LedgerAccount, int]:
    """The sum of the order's postings per account."""
    rows = s.exec(
        select(col(LedgerPosting.account), func.sum(LedgerPosting.amount))
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerPosting.transaction_id))
        .where(LedgerTransaction.order_id == order_id)
        .group_by(LedgerPosting.account)
    ).all()
    return {account: int(total) for account, total in rows}


def trial_balance(s: Session) -> dict[tuple[LedgerAccount, str], int]:
    """All postings per (account, currency); the whole ledger sums to zero in each currency."""
    rows = s.exec(
        select(col(LedgerPosting.account), LedgerPosting.currency, func.sum(LedgerPosting.amount)).group_by(
            LedgerPosting.account, LedgerPosting.currency
        )
    ).all()
    return {(account, currency): int(total) for account, currency, total in rows}


def _balances(s: Session, shop_ids: set[int] | None, now: datetime) -> dict[tuple[int, str], dict[str, int]]:
    query = (
        select(  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
            LedgerPosting.account,
            LedgerPosting.shop_id,
            LedgerPosting.currency,
            LedgerPosting.amount,
            LedgerTransaction.kind,
            LedgerTransaction.available_at,
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
        .where(col(LedgerPosting.account).in_(SHOP_ACCOUNTS))
    )
    if shop_ids is not None:
        query = query.where(col(LedgerPosting.shop_id).in_(shop_ids))
    totals: dict[tuple[int, str], dict[str, int]] = defaultdict(
        lambda: dict(sales=0, refunds=0, disputed=0, pending=0, available=0, paid_out=0)
    )
    # sales - refunds - disputed - paid_out = pending + available
    for account, shop_id, currency, amount, kind, available_at in s.exec(query).all():
        credit = -amount  # what the shop is owed is a credit
        bucket = totals[(shop_id, currency)]
        if account == LedgerAccount.SELLER_PAYOUTS:
            bucket["paid_out"] += credit
            continue
        if account == LedgerAccount.DISPUTE_HOLD:
            bucket["disputed"] += credit
            if kind == LedgerEntryKind.REFUND:
                bucket["refunds"] -= credit
            continue
        if kind == LedgerEntryKind.SALE:
            bucket["sales"] += credit
        elif kind == LedgerEntryKind.REFUND:
            bucket["refunds"] -= credit
        bucket["available" if available_at <= now else "pending"] += credit
    return totals


def seller_balances(s: Session, actor: Actor, *, now: datetime | None = None) -> list[SellerBalance]:
    """The acting seller's balance per currency."""
    shop_id = require_shop(actor)
    now = now or utcnow()
    return [
        SellerBalance(
            shop_id=shop,
            currency=currency,
            sales=b["sales"],
            refunds=b["refunds"],
            disputed=b["disputed"],
            pending=b["pending"],
            available=b["available"],
            pending_label=format_money(Money(b["pending"], currency)),
            available_label=format_money(Money(b["available"], currency)),
            disputed_label=format_money(Money(b["disputed"], currency)),
            paid_out=b["paid_out"],
            paid_out_label=format_money(Money(b["paid_out"], currency)),
        )
        for (shop, currency), b in sorted(_balances(s, {shop_id}, now).items())
    ]


def payouts_report(s: Session, actor: Actor, *, now: datetime | None = None) -> list[PayoutRow]:
    """Every shop's balance per currency, for the admins who pay sellers out."""
    require_admin(actor, "payouts_report")
    now = now or utcnow()
    names = dict(s.exec(select(Shop.id, Shop.name)).all())
    return [
        PayoutRow(shop_id=shop, shop_name=names.get(shop, ""), currency=currency, **b)
        for (shop, currency), b in sorted(_balances(s, None, now).items())
    ]


def payouts_csv(s: Session, actor: Actor, *, now: datetime | None = None) -> str:
    """The payouts report as CSV, amounts in major units."""
    header = [
        "shop_id",
        "shop",
        "currency",
        "sales",
        "refunds",
        "held_for_disputes",
        "pending",
        "available",
        "paid_out",
    ]
    lines = [csv_row(header)]
    for row in payouts_report(s, actor, now=now):
        major = [
            str(Money(value, row.currency).to_decimal())
            for value in (row.sales, row.refunds, row.disputed, row.pending, row.available, row.paid_out)
        ]
        lines.append(csv_row([row.shop_id, row.shop_name, row.currency, *major]))
    return "".join(lines)


def post_payout_entry(
    s: Session, kind: LedgerEntryKind, *, shop_id: int, currency: str, amount: int, memo: str, payout_id: int | None
) -> LedgerTransaction:
    """Money between the platform and a seller's connected account: a payout (`amount` out of
    earnings into seller_payouts), a failed one or a reversal (back into earnings). Available
    at once; `payout_id` is the payout that settles it (None: the next payout does)."""
    if kind not in PAYOUT_KINDS or amount <= 0:
        raise AssertionError(f"not a payout entry: {kind} {amount}")
    out = amount if kind == LedgerEntryKind.PAYOUT else -amount
    now = utcnow()
    tx = LedgerTransaction(kind=kind, memo=memo[:200], created_at=now, available_at=now, payout_id=payout_id)
    _post(s, tx, {LedgerAccount.SELLER_EARNINGS: out, LedgerAccount.SELLER_PAYOUTS: -out}, shop_id, currency)
    return tx


STATEMENT_HEADER = ["date", "order", "kind", "earnings", "currency", "available_from", "payout"]


def statement_rows(s: Session, shop_id: int, *, batch: int = 500) -> Iterator[str]:
    """One CSV row per ledger transaction touching the shop's earnings (sales, refunds,
    disputes, payouts and what came back from them), oldest first, in batches; `payout` is
    the payout that settled the row (empty while it waits for one)."""
    last_id = 0
    while True:
        rows = s.exec(
            select(  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
                LedgerTransaction.id,
                LedgerTransaction.created_at,
                Order.reference,
                LedgerTransaction.kind,
                LedgerPosting.amount,
                LedgerPosting.currency,
                LedgerTransaction.available_at,
                LedgerTransaction.payout_id,
            )
            .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
            .outerjoin(Order, Order.id == LedgerTransaction.order_id)
            .where(
                LedgerPosting.account == LedgerAccount.SELLER_EARNINGS,
                LedgerPosting.shop_id == shop_id,
                col(LedgerTransaction.id) > last_id,
            )
            .order_by(LedgerTransaction.id)
            .limit(batch)
        ).all()
        for tx_id, created_at, reference, kind, amount, currency, available_at, payout_id in rows:
            last_id = tx_id
            yield csv_row(
                [
                    created_at.date().isoformat(),
                    reference or "",
                    kind,
                    str(Money(-amount, currency).to_decimal()),
                    currency,
                    available_at.date().isoformat(),
                    payout_id or "",
                ]
            )
        if len(rows) < batch:
            return


def seller_statement_csv(s: Session, actor: Actor) -> str:
    """The acting seller's earnings as CSV (major units): what their balance is made of,
    for their own bookkeeping. The payouts page streams the same rows over HTTP."""
    shop_id = require_shop(actor)
    return csv_row(STATEMENT_HEADER) + "".join(statement_rows(s, shop_id))
