"""Purchase and refund events: a sale's after its payment commits (`paid`), a refund's in its transaction.

Amounts come from the ledger: an order line's revenue is what the sale's
postings leave the shop before card fees (sales net of tax minus the platform
commission), its gross is the sale net of tax. Orders may be paid in another
currency than the shop's; amounts are converted back at the rate the order
line was priced with, cumulatively per line, so a line refunded in full (in one
go or in parts) exactly cancels its sale in the shop's currency too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce.analytics.capture import add_event
from commerce.kit.time import utcnow
from commerce.models import (
    AnalyticsEvent,
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
from commerce.money import Money, convert
from commerce.orders.currency import rate_between

# What a sale leaves the shop (the payment net of tax and commission), and its value before commission.
REVENUE_ACCOUNTS = (LedgerAccount.BUYER_PAYMENT, LedgerAccount.TAX_COLLECTED, LedgerAccount.PLATFORM_COMMISSION)
GROSS_ACCOUNTS = (LedgerAccount.BUYER_PAYMENT, LedgerAccount.TAX_COLLECTED)


def _ledger_sums(s: Session, line_ids: Sequence[int], kind: LedgerEntryKind) -> dict[int, tuple[int, int]]:
    """(revenue, gross) of each line's `kind` ledger transactions, in the order currency, by line id."""
    if not line_ids:
        return {}
    rows = s.exec(
        select(LedgerTransaction.order_line_id, LedgerPosting.account, func.sum(LedgerPosting.amount))
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerPosting.transaction_id))
        .where(col(LedgerTransaction.order_line_id).in_(line_ids), LedgerTransaction.kind == kind)
        .group_by(col(LedgerTransaction.order_line_id), LedgerPosting.account)
    ).all()
    sums: dict[int, dict[str, int]] = {}
    for line_id, account, total in rows:
        if line_id is not None:
            sums.setdefault(line_id, {})[account] = int(total)
    return {
        line_id: (sum(by.get(a, 0) for a in REVENUE_ACCOUNTS), sum(by.get(a, 0) for a in GROSS_ACCOUNTS))
        for line_id, by in sums.items()
    }


def to_shop_currency(s: Session, amount: int, order: Order, line: OrderLine, shop: Shop) -> int:
    """`amount` of the order's currency in the shop's, at the rate the line was priced with."""
    if order.currency == shop.currency:
        return amount
    if line.list_currency == shop.currency:
        rate = Decimal(1) / Decimal(line.exchange_rate)
    else:  # a product priced in another currency than its shop's: today's rate
        rate = rate_between(s, order.currency, shop.currency)
    return convert(Money(amount, order.currency), shop.currency, rate).amount


def record_sale(s: Session, order: Order, lines: Sequence[OrderLine], shops: Mapping[int, Shop]) -> int:
    """One purchase event per order line, attributed to the visit that checked it out, dated
    when the order was paid; lines already recorded are skipped. `shops`: the lines' shops by
    id. Returns how many were added."""
    when = order.paid_at or utcnow()
    line_ids = [saved_id(line) for line in lines]
    # The lines' checkout events (the visits the sale is attributed to) and any purchase
    # already recorded (a rerun), in one read for the whole order.
    recorded: set[int | None] = set()
    checkouts: dict[int | None, AnalyticsEvent] = {}
    for known in s.exec(
        select(AnalyticsEvent).where(
            col(AnalyticsEvent.order_line_id).in_(line_ids), col(AnalyticsEvent.kind).in_(("checkout", "purchase"))
        )
    ).all():
        if known.kind == "purchase":
            recorded.add(known.order_line_id)
        else:
            checkouts.setdefault(known.order_line_id, known)
    unrecorded = [line for line in lines if line.id not in recorded]
    sums = _ledger_sums(s, [saved_id(line) for line in unrecorded], LedgerEntryKind.SALE)
    events = []
    for line in unrecorded:
        shop = shops[line.shop_id]
        revenue, gross = sums.get(saved_id(line), (0, 0))
        source = checkouts.get(line.id)
        events.append(
            AnalyticsEvent(
                kind="purchase",
                occurred_at=when,
                shop_id=line.shop_id,
                product_id=line.product_id,
                # The visitor's key of the checkout's day: the funnel counts this sale as theirs.
                visitor_key=source.visitor_key if source else None,
                referrer_host=source.referrer_host if source else None,
                utm_source=source.utm_source if source else None,
                utm_medium=source.utm_medium if source else None,
                utm_campaign=source.utm_campaign if source else None,
                device=source.device if source else "unknown",
                country=order.billing_country or (source.country if source else None),
                order_id=order.id,
                order_line_id=line.id,
                units=1,
                revenue=to_shop_currency(s, revenue, order, line, shop),
                gross=to_shop_currency(s, gross, order, line, shop),
                dedupe_key=f"purchase:{line.id}",
            )
        )
    add_event(s, *events)
    return len(events)


def record_refunds(s: Session, order: Order, refunds: Sequence[Refund]) -> None:
    """One refund event per refunded line, with the revenue it takes back (negative)."""
    now = utcnow()
    for refund in refunds:
        line = s.get_one(OrderLine, refund.order_line_id)
        shop = s.get_one(Shop, line.shop_id)
        revenue, gross = _ledger_sums(s, [saved_id(line)], LedgerEntryKind.REFUND).get(saved_id(line), (0, 0))
        taken_back = s.exec(
            select(
                func.coalesce(func.sum(AnalyticsEvent.revenue), 0), func.coalesce(func.sum(AnalyticsEvent.gross), 0)
            ).where(AnalyticsEvent.kind == "refund", AnalyticsEvent.order_line_id == line.id)
        ).one()
        purchase = s.exec(select(AnalyticsEvent).where(AnalyticsEvent.dedupe_key == f"purchase:{line.id}")).first()
        add_event(
            s,
            AnalyticsEvent(
                kind="refund",
                occurred_at=now,
                shop_id=line.shop_id,
                product_id=line.product_id,
                referrer_host=purchase.referrer_host if purchase else None,
                utm_source=purchase.utm_source if purchase else None,
                utm_medium=purchase.utm_medium if purchase else None,
                utm_campaign=purchase.utm_campaign if purchase else None,
                device=purchase.device if purchase else "unknown",
                country=order.billing_country,
                order_id=order.id,
                order_line_id=line.id,
                revenue=to_shop_currency(s, revenue, order, line, shop) - int(taken_back[0]),
                gross=to_shop_currency(s, gross, order, line, shop) - int(taken_back[1]),
                dedupe_key=f"refund:{refund.id}",
            ),
        )
