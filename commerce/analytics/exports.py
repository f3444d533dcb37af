"""Sales and customers as CSV for the shop's owner, produced in batches as it streams.

Each export is one query read through a server-side cursor (`yield_per`), so the
database sorts once and a shop with a million order lines streams in constant
memory; revenue and privacy choices are looked up per batch of rows. Pages of
LIMIT/OFFSET or keyset queries would re-sort the shop's lines for every page
(the customers export is ordered by buyer, across two tables), which
`bench/analytics/run.py` showed growing quadratically. The price is one read
transaction for as long as the download lasts.

A buyer who chose not to share their email with sellers appears under a stable
pseudonym ("buyer-3f9a…"), the same across exports of this shop and different in
every other shop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_shop
from commerce.analytics.sales import REVENUE_ACCOUNTS, to_shop_currency
from commerce.kit.spreadsheet import csv_row
from commerce.models import LedgerPosting, LedgerTransaction, Order, OrderLine, OrderStatus, Shop, saved_id
from commerce.money import currency_exponent
from commerce.notifications.preferences import pseudonym, sharing_email

SOLD = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED, OrderStatus.DISPUTED)
BATCH = 500
SALES_HEADER = [
    "order",
    "paid_at_utc",
    "product",
    "status",
    "order_currency",
    "price",
    "tax",
    "total",
    "refunded",
    "shop_currency",
    "revenue",
    "buyer",
    "billing_country",
]
CUSTOMERS_HEADER = [
    "buyer",
    "billing_country",
    "orders",
    "items",
    "first_purchase_utc",
    "last_purchase_utc",
    "shop_currency",
    "revenue",
]
SessionFactory = Callable[[], AbstractContextManager[Session]]


@lru_cache(maxsize=64)
def _exponent(currency: str) -> int:
    return currency_exponent(currency)


def _major(amount: int, currency: str) -> str:
    """Minor units as a major-unit decimal ("12.50"); the exponent is looked up once per currency."""
    return str(Decimal(amount).scaleb(-_exponent(currency)))


def _revenue_by_line(s: Session, line_ids: list[int]) -> dict[int, int]:
    """What each line left the shop (sales net of tax minus commission, minus refunds), order currency."""
    rows = s.exec(
        select(LedgerTransaction.order_line_id, func.sum(LedgerPosting.amount))
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerPosting.transaction_id))
        .where(
            col(LedgerTransaction.order_line_id).in_(line_ids),
            col(LedgerPosting.account).in_(REVENUE_ACCOUNTS),
        )
        .group_by(col(LedgerTransaction.order_line_id))
    ).all()
    return {line_id: int(total) for line_id, total in rows if line_id is not None}


def _batches(s: Session, shop_id: int, *, by_buyer: bool) -> Iterator[list[tuple[OrderLine, Order]]]:
    """The shop's sold lines with their orders, by line (or by buyer, then line), BATCH rows at a time."""
    query = (
        select(OrderLine, Order)
        .join(Order, col(Order.id) == col(OrderLine.order_id))
        .where(OrderLine.shop_id == shop_id, col(Order.status).in_(SOLD))
        .order_by(*((Order.buyer_id, OrderLine.id) if by_buyer else (OrderLine.id,)))
        .execution_options(yield_per=BATCH)
    )
    # The session's identity map holds rows weakly: written batches are freed as the stream moves on.
    for batch in s.exec(query).partitions():
        yield list(batch)


def _start(session_factory: SessionFactory, actor: Actor) -> Shop:
    shop_id = require_shop(actor)
    with session_factory() as s:
        return s.get_one(Shop, shop_id)


def sales_csv(session_factory: SessionFactory, actor: Actor) -> Iterator[str]:
    """The shop's sold order lines, oldest first. Permission is checked before the first row."""
    shop = _start(session_factory, actor)

    def rows() -> Iterator[str]:
        yield csv_row(SALES_HEADER)
        with session_factory() as s:
            for batch in _batches(s, saved_id(shop), by_buyer=False):
                revenue = _revenue_by_line(s, [saved_id(line) for line, _ in batch])
                sharing = sharing_email(s, {order.buyer_id for _, order in batch})
                out = []
                for line, order in batch:
                    buyer = order.email if order.buyer_id in sharing else pseudonym(saved_id(shop), order.buyer_id)
                    out.append(
                        csv_row(
                            [
                                order.reference,
                                f"{order.paid_at:%Y-%m-%dT%H:%M:%SZ}" if order.paid_at else "",
                                line.title,
                                order.status,
                                order.currency,
                                _major(line.net, order.currency),
                                _major(line.tax, order.currency),
                                _major(line.total, order.currency),
                                _major(line.refunded_amount, order.currency),
                                shop.currency,
                                _major(
                                    to_shop_currency(s, revenue.get(saved_id(line), 0), order, line, shop),
                                    shop.currency,
                                ),
                                buyer,
                                order.billing_country or "",
                            ]
                        )
                    )
                yield "".join(out)

    return rows()


@dataclass
class _Customer:
    buyer_id: int
    email: str
    country: str | None = None
    orders: set = field(default_factory=set)
    items: int = 0
    first: datetime | None = None
    last: datetime | None = None
    revenue: int = 0


def customers_csv(session_factory: SessionFactory, actor: Actor) -> Iterator[str]:
    """One row per buyer of the shop, by buyer. Permission is checked before the first row."""
    shop = _start(session_factory, actor)

    def finish(customer: _Customer, shares: bool) -> str:
        return csv_row(
            [
                customer.email if shares else pseudonym(saved_id(shop), customer.buyer_id),
                customer.country or "",
                len(customer.orders),
                customer.items,
                f"{customer.first:%Y-%m-%dT%H:%M:%SZ}" if customer.first else "",
                f"{customer.last:%Y-%m-%dT%H:%M:%SZ}" if customer.last else "",
                shop.currency,
                _major(customer.revenue, shop.currency),
            ]
        )

    def rows() -> Iterator[str]:
        yield csv_row(CUSTOMERS_HEADER)
        current: _Customer | None = None
        with session_factory() as s:
            for batch in _batches(s, saved_id(shop), by_buyer=True):
                revenue = _revenue_by_line(s, [saved_id(line) for line, _ in batch])
                buyers = {order.buyer_id for _, order in batch} | ({current.buyer_id} if current else set())
                sharing = sharing_email(s, buyers)
                out = []
                for line, order in batch:
                    if current is None or current.buyer_id != order.buyer_id:
                        if current is not None:
                            out.append(finish(current, current.buyer_id in sharing))
                        current = _Customer(order.buyer_id, order.email)
                    current.orders.add(order.id)
                    current.items += 1
                    current.revenue += to_shop_currency(s, revenue.get(saved_id(line), 0), order, line, shop)
                    if order.paid_at and (current.last is None or order.paid_at >= current.last):
                        current.last, current.country, current.email = order.paid_at, order.billing_country, order.email
                    if order.paid_at and (current.first is None or order.paid_at < current.first):
                        current.first = order.paid_at
                if out:
                    yield "".join(out)
            if current is not None:
                yield finish(current, current.buyer_id in sharing_email(s, {current.buyer_id}))

    return rows()


def export_filename(kind: str, shop_slug: str, now: datetime) -> str:
    return f"{shop_slug}-{kind}-{now:%Y%m%d}.csv"


__all__ = ["customers_csv", "export_filename", "pseudonym", "sales_csv"]
