"""Rollups: each shop day (and its hours, while recent) recomputed from its events.

Recording an event marks its shop day as pending (`capture.mark_pending`, with a
version that grows with every event). `roll_up_pending` recomputes every pending
day from scratch, so running it twice, or after a crash half-way, gives the
same tables; it clears a mark only if no event arrived while it worked.

The funnel is counted per day as distinct visitors (their day's `visitor_key`) who
reached each step, reaching meaning an event of that step or of a later one, so a
step never counts more visitors than the one before it. An event without a key (a
visitor without the cookie) is one visitor of its own, an order's events one visitor.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import String, case, cast, delete, distinct, func, literal
from sqlmodel import Session, col, select

from commerce.analytics.capture import forget_old_salts
from commerce.kit.time import utcnow
from commerce.models import (
    AnalyticsEvent,
    AnalyticsPendingRollup,
    DimensionRollup,
    ProductRollup,
    Shop,
    ShopRollup,
)

# Hourly rows exist for today and yesterday (the "today" chart, and a day that just ended).
HOURLY_DAYS = 2
_COUNTED = {"view": "views", "add_to_cart": "add_to_cart", "checkout": "checkouts", "download": "downloads"}
# The funnel's steps in order (a free claim is a checkout and a purchase too).
FUNNEL = ("view", "add_to_cart", "checkout", "purchase")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass
class _Totals:
    views: int = 0
    visitors: int = 0
    add_to_cart: int = 0
    checkouts: int = 0
    downloads: int = 0
    orders: int = 0
    units: int = 0
    gross: int = 0
    revenue: int = 0
    refunds: int = 0
    refunded: int = 0

    def fold(self, kind: str, count: int, visitors: int, orders: int, units: int, revenue: int, gross: int) -> None:
        """Add one kind's aggregate (one row of `_aggregate`) to these totals."""
        counter = _COUNTED.get(kind)
        if counter:
            setattr(self, counter, getattr(self, counter) + count)
            if kind == "view":
                self.visitors += visitors
        elif kind == "purchase":
            self.orders += orders
            self.units += units
            self.gross += gross
            self.revenue += revenue
        elif kind == "refund":
            # Gross stays the sales figure (average order value); revenue is net of refunds.
            self.refunds += orders
            self.revenue += revenue
            self.refunded -= revenue


def _hour_of(s: Session):
    column = AnalyticsEvent.occurred_at
    if s.get_bind().dialect.name == "postgresql":
        return func.extract("hour", func.timezone("UTC", column))
    return func.strftime("%H", column)  # stored as UTC text on SQLite


def _aggregate(s: Session, shop_id: int, start: datetime, group_by=None) -> dict:
    """Totals per value of `group_by` (one group, key None, without it) over the day from `start`.

    The database does the counting: one indexed range scan and a GROUP BY per call,
    whatever the number of events.
    """
    e = AnalyticsEvent
    measures = (
        e.kind,
        func.count(),
        func.count(distinct(col(e.visitor_key))),
        func.count(distinct(col(e.order_id))),
        func.coalesce(func.sum(e.units), 0),
        func.coalesce(func.sum(e.revenue), 0),
        func.coalesce(func.sum(e.gross), 0),
    )
    keys = () if group_by is None else (group_by,)
    query = (
        select(*keys, *measures)  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
        .where(e.shop_id == shop_id, e.occurred_at >= start, e.occurred_at < start + timedelta(days=1))
        .group_by(*keys, e.kind)
    )
    totals: dict = defaultdict(_Totals)
    for row in s.exec(query).all():
        key = row[0] if keys else None
        kind, count, visitors, orders, units, revenue, gross = row[len(keys) :]
        totals[key].fold(kind, int(count), int(visitors), int(orders), int(units), int(revenue), int(gross))
    return totals


def _funnel(s: Session, shop_id: int, start: datetime) -> list[int]:
    """Visitors who reached each step of `FUNNEL` on the day from `start`: each visitor's
    furthest step is found first, then a step counts everyone whose furthest is there or later."""
    e = AnalyticsEvent
    who = func.coalesce(
        e.visitor_key,
        case(
            (col(e.order_id).is_not(None), literal("order:").concat(cast(e.order_id, String))),
            else_=literal("event:").concat(cast(e.id, String)),
        ),
    )
    step = case({kind: rank for rank, kind in enumerate(FUNNEL, 1)}, value=e.kind)
    furthest = (
        select(who.label("who"), func.max(step).label("furthest"))
        .where(
            e.shop_id == shop_id,
            e.occurred_at >= start,
            e.occurred_at < start + timedelta(days=1),
            col(e.kind).in_(FUNNEL),
        )
        .group_by(who)
        .subquery()
    )
    ended = dict(s.exec(select(furthest.c.furthest, func.count()).group_by(furthest.c.furthest)).all())
    return [
        sum(int(ended.get(rank, 0)) for rank in range(reached, len(FUNNEL) + 1))
        for reached in range(1, len(FUNNEL) + 1)
    ]


def roll_up_day(s: Session, shop_id: int, day: date, *, now: datetime | None = None) -> None:
    """Replace the shop's rollups for `day` with totals recomputed from its events."""
    now = now or utcnow()
    start = day_start(day)
    shop = s.get(Shop, shop_id)
    if shop is None:
        return
    whole = _aggregate(s, shop_id, start).get(None, _Totals())
    funnel = _funnel(s, shop_id, start)
    with_hours = day >= now.date() - timedelta(days=HOURLY_DAYS - 1)
    hours = _aggregate(s, shop_id, start, _hour_of(s)) if with_hours else {}
    products = _aggregate(s, shop_id, start, AnalyticsEvent.product_id)
    dimensions = {
        (name, value): totals
        for name, column in (
            ("referrer", AnalyticsEvent.referrer_host),
            ("utm_source", AnalyticsEvent.utm_source),
            ("utm_campaign", AnalyticsEvent.utm_campaign),
            ("country", AnalyticsEvent.country),
            ("device", AnalyticsEvent.device),
        )
        for value, totals in _aggregate(s, shop_id, start, column).items()
        if value
    }

    s.exec(
        delete(ShopRollup).where(
            col(ShopRollup.shop_id) == shop_id,
            col(ShopRollup.bucket) >= start,
            col(ShopRollup.bucket) < start + timedelta(days=1),
        )
    )
    s.exec(delete(ProductRollup).where(col(ProductRollup.shop_id) == shop_id, col(ProductRollup.day) == day))
    s.exec(delete(DimensionRollup).where(col(DimensionRollup.shop_id) == shop_id, col(DimensionRollup.day) == day))

    def shop_row(granularity: str, bucket: datetime, totals: _Totals, reached=(0, 0, 0, 0)) -> ShopRollup:
        return ShopRollup(
            shop_id=shop_id,
            granularity=granularity,
            bucket=bucket,
            currency=shop.currency,
            views=totals.views,
            visitors=totals.visitors,
            add_to_cart=totals.add_to_cart,
            checkouts=totals.checkouts,
            orders=totals.orders,
            units=totals.units,
            gross=totals.gross,
            revenue=totals.revenue,
            refunds=totals.refunds,
            refunded=totals.refunded,
            downloads=totals.downloads,
            reached_view=reached[0],
            reached_cart=reached[1],
            reached_checkout=reached[2],
            reached_purchase=reached[3],
            computed_at=now,
        )

    s.add(shop_row("day", start, whole, funnel))
    for hour, totals in hours.items():
        s.add(shop_row("hour", start + timedelta(hours=int(hour)), totals))
    for product_id, totals in products.items():
        if product_id is not None:
            s.add(
                ProductRollup(
                    shop_id=shop_id,
                    product_id=product_id,
                    day=day,
                    views=totals.views,
                    add_to_cart=totals.add_to_cart,
                    checkouts=totals.checkouts,
                    orders=totals.orders,
                    units=totals.units,
                    revenue=totals.revenue,
                    refunds=totals.refunds,
                    downloads=totals.downloads,
                )
            )
    for (dimension, value), totals in dimensions.items():
        s.add(
            DimensionRollup(
                shop_id=shop_id,
                day=day,
                dimension=dimension,
                value=value[:255],
                views=totals.views,
                orders=totals.orders,
                revenue=totals.revenue,
            )
        )
    s.flush()


def _claim(s: Session, shop_id: int, day: date) -> bool:
    """On PostgreSQL, hold the shop day for this transaction; False when another job holds it.

    Two jobs recomputing one day would both delete and insert its rows, and one would fail
    on the unique constraints. An advisory lock, not a lock on the mark row: recording an
    event updates the mark and must never wait for a rollup.
    """
    if s.get_bind().dialect.name != "postgresql":
        return True  # SQLite runs one writer at a time
    return bool(s.exec(select(func.pg_try_advisory_xact_lock(shop_id, day.toordinal()))).one())


def roll_up_pending(s: Session, *, limit: int = 500, now: datetime | None = None) -> int:
    """Recompute the pending shop days (at most `limit`); returns how many were done.

    Days another job is working on are left to it.
    """
    marks = s.exec(
        select(AnalyticsPendingRollup.shop_id, col(AnalyticsPendingRollup.day), AnalyticsPendingRollup.version)
        .order_by(col(AnalyticsPendingRollup.day), col(AnalyticsPendingRollup.shop_id))
        .limit(limit)
    ).all()
    done = 0
    for shop_id, day, version in marks:
        if not _claim(s, shop_id, day):
            continue
        roll_up_day(s, shop_id, day, now=now)
        # Only if no event arrived meanwhile; otherwise the mark stays for the next run.
        s.exec(
            delete(AnalyticsPendingRollup).where(
                col(AnalyticsPendingRollup.shop_id) == shop_id,
                col(AnalyticsPendingRollup.day) == day,
                col(AnalyticsPendingRollup.version) == version,
            )
        )
        done += 1
    s.flush()
    return done


def purge(s: Session, *, retention_days: int, now: datetime | None = None) -> tuple[int, int]:
    """Delete visitor events older than `retention_days` and hourly rows past their use.

    Purchase and refund events stay: they derive from the ledger, and later refunds of
    old orders are measured against them (a purchase's visitor key names nobody once its
    day's salt is gone). Salts past their two days go too. Returns (events deleted,
    hourly rows deleted).
    """
    if retention_days < HOURLY_DAYS:
        raise ValueError(f"analytics events must be kept at least {HOURLY_DAYS} days")
    now = now or utcnow()
    cutoff = day_start(now.date() - timedelta(days=retention_days))
    events = s.exec(
        delete(AnalyticsEvent).where(
            col(AnalyticsEvent.occurred_at) < cutoff, col(AnalyticsEvent.kind).in_(tuple(_COUNTED))
        )
    )
    hourly = s.exec(
        delete(ShopRollup).where(
            col(ShopRollup.granularity) == "hour",
            col(ShopRollup.bucket) < day_start(now.date() - timedelta(days=HOURLY_DAYS - 1)),
        )
    )
    forget_old_salts(s, today=now.date())
    s.flush()
    return events.rowcount, hourly.rowcount
