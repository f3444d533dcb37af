"""Rollups: each shop day (and its hours, while recent) recomputed from its events.

Recording an event marks its shop day as pending (`capture.mark_pending`, with a
version that grows with every event). `roll_up_pending` recomputes every pending
day from scratch, so running it twice, or after a crash half-way, gives the
same tables; it clears a mark only if no event arrived while it worked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete
from sqlmodel import Session, select

from commerce.models import (
    AnalyticsEvent,
    AnalyticsPendingRollup,
    DimensionRollup,
    ProductRollup,
    Shop,
    ShopRollup,
)
from commerce.models.base import utcnow

# Hourly rows exist for today and yesterday (the "today" chart, and a day that just ended).
HOURLY_DAYS = 2
_COUNTED = {"view": "views", "add_to_cart": "add_to_cart", "checkout": "checkouts", "download": "downloads"}


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass
class _Totals:
    views: int = 0
    add_to_cart: int = 0
    checkouts: int = 0
    downloads: int = 0
    units: int = 0
    gross: int = 0
    revenue: int = 0
    refunded: int = 0
    visitors: set = field(default_factory=set)
    orders: set = field(default_factory=set)
    refunded_orders: set = field(default_factory=set)

    def add(self, event: AnalyticsEvent) -> None:
        counter = _COUNTED.get(event.kind)
        if counter:
            setattr(self, counter, getattr(self, counter) + 1)
            if event.kind == "view" and event.visitor_id:
                self.visitors.add(event.visitor_id)
        elif event.kind == "purchase":
            self.orders.add(event.order_id)
            self.units += event.units
            self.gross += event.gross
            self.revenue += event.revenue
        elif event.kind == "refund":
            # Gross stays the sales figure (average order value); revenue is net of refunds.
            self.refunded_orders.add(event.order_id)
            self.revenue += event.revenue
            self.refunded -= event.revenue


def roll_up_day(s: Session, shop_id: int, day: date, *, now: datetime | None = None) -> None:
    """Replace the shop's rollups for `day` with totals recomputed from its events."""
    now = now or utcnow()
    start = day_start(day)
    shop = s.get(Shop, shop_id)
    if shop is None:
        return
    with_hours = day >= now.date() - timedelta(days=HOURLY_DAYS - 1)
    whole = _Totals()
    hours: dict[int, _Totals] = defaultdict(_Totals)
    products: dict[int, _Totals] = defaultdict(_Totals)
    dimensions: dict[tuple[str, str], _Totals] = defaultdict(_Totals)
    events = s.exec(select(AnalyticsEvent)
                    .where(AnalyticsEvent.shop_id == shop_id, AnalyticsEvent.occurred_at >= start,
                           AnalyticsEvent.occurred_at < start + timedelta(days=1))
                    .execution_options(yield_per=2000))
    for event in events:
        whole.add(event)
        if with_hours:
            hours[event.occurred_at.hour].add(event)
        if event.product_id is not None:
            products[event.product_id].add(event)
        for dimension, value in (("referrer", event.referrer_host), ("utm_source", event.utm_source),
                                 ("utm_campaign", event.utm_campaign), ("country", event.country),
                                 ("device", event.device)):
            if value:
                dimensions[(dimension, value)].add(event)
        s.expunge(event)

    s.exec(delete(ShopRollup).where(ShopRollup.shop_id == shop_id, ShopRollup.bucket >= start,
                                    ShopRollup.bucket < start + timedelta(days=1)))
    s.exec(delete(ProductRollup).where(ProductRollup.shop_id == shop_id, ProductRollup.day == day))
    s.exec(delete(DimensionRollup).where(DimensionRollup.shop_id == shop_id, DimensionRollup.day == day))

    def shop_row(granularity: str, bucket: datetime, totals: _Totals) -> ShopRollup:
        return ShopRollup(shop_id=shop_id, granularity=granularity, bucket=bucket, currency=shop.currency,
                          views=totals.views, visitors=len(totals.visitors), add_to_cart=totals.add_to_cart,
                          checkouts=totals.checkouts, orders=len(totals.orders), units=totals.units,
                          gross=totals.gross, revenue=totals.revenue, refunds=len(totals.refunded_orders),
                          refunded=totals.refunded, downloads=totals.downloads, computed_at=now)

    s.add(shop_row("day", start, whole))
    for hour, totals in hours.items():
        s.add(shop_row("hour", start + timedelta(hours=hour), totals))
    for product_id, totals in products.items():
        s.add(ProductRollup(shop_id=shop_id, product_id=product_id, day=day, views=totals.views,
                            add_to_cart=totals.add_to_cart, checkouts=totals.checkouts,
                            orders=len(totals.orders), units=totals.units, revenue=totals.revenue,
                            refunds=len(totals.refunded_orders), downloads=totals.downloads))
    for (dimension, value), totals in dimensions.items():
        s.add(DimensionRollup(shop_id=shop_id, day=day, dimension=dimension, value=value[:255],
                              views=totals.views, orders=len(totals.orders), revenue=totals.revenue))
    s.flush()


def roll_up_pending(s: Session, *, limit: int = 500, now: datetime | None = None) -> int:
    """Recompute the pending shop days (at most `limit`); returns how many were done."""
    marks = s.exec(select(AnalyticsPendingRollup.shop_id, AnalyticsPendingRollup.day,
                          AnalyticsPendingRollup.version)
                   .order_by(AnalyticsPendingRollup.day, AnalyticsPendingRollup.shop_id).limit(limit)).all()
    for shop_id, day, version in marks:
        roll_up_day(s, shop_id, day, now=now)
        # Only if no event arrived meanwhile; otherwise the mark stays for the next run.
        s.exec(delete(AnalyticsPendingRollup).where(AnalyticsPendingRollup.shop_id == shop_id,
                                                    AnalyticsPendingRollup.day == day,
                                                    AnalyticsPendingRollup.version == version))
    s.flush()
    return len(marks)


def purge(s: Session, *, retention_days: int, now: datetime | None = None) -> tuple[int, int]:
    """Delete visitor events older than `retention_days` and hourly rows past their use.

    Purchase and refund events stay: they derive from the ledger, name no visitor,
    and later refunds of old orders are measured against them. Returns
    (events deleted, hourly rows deleted).
    """
    if retention_days < HOURLY_DAYS:
        raise ValueError(f"analytics events must be kept at least {HOURLY_DAYS} days")
    now = now or utcnow()
    cutoff = day_start(now.date() - timedelta(days=retention_days))
    events = s.exec(delete(AnalyticsEvent).where(AnalyticsEvent.occurred_at < cutoff,
                                                 AnalyticsEvent.kind.in_(tuple(_COUNTED))))
    hourly = s.exec(delete(ShopRollup).where(
        ShopRollup.granularity == "hour",
        ShopRollup.bucket < day_start(now.date() - timedelta(days=HOURLY_DAYS - 1))))
    s.flush()
    return events.rowcount, hourly.rowcount
