"""Rollups: the dashboard's tables, kept up to date by adding each new event once.

Recording an event only inserts it (`rolled_up` false), so a visit or a sale writes no
row that the shop's other visitors or buyers write too. The `roll_up_analytics` job
(`fold_new_events`) takes the events not rolled up yet, adds them to their shop's day
and hour rows, product rows and dimension rows (an upsert adding to the counts), and
marks them rolled up, all in one transaction: a crash rolls all of it back, and a
second run finds nothing left to add. Jobs take turns (a PostgreSQL advisory lock;
SQLite has one writer anyway). Events are found by their flag, not by an id
watermark: a transaction that commits after one with a higher id is added all the same.

Distinct counts stay what a recompute of the day would give:
- The funnel is counted per day as distinct visitors (their day's `visitor_key`) who
  reached each step, reaching meaning an event of that step or of a later one, so a
  step never counts more visitors than the one before it. An event without a key (a
  visitor without the cookie) is one visitor of its own, an order's events one visitor.
  `analytics_day_visitors` keeps each visitor's furthest step and the hours they viewed
  something in, so an event moves the funnel (and the day's or hour's visitors) only when
  its visitor is new there or goes further.
- Orders and refunds count distinct orders per row: an event adds one only if no event of
  the same kind and order already rolled up falls in the same row.

`roll_up_day` recomputes a shop day from its events instead: the repair path for a change
that adding cannot express (a purchase given its visitor's key after it was counted marks
its day, `capture.mark_for_recompute`), for `python -m commerce.cli analytics-rollup
analytics-recompute`), and the reference the tests hold the incremental tables to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, Integer, String, and_, case, cast, delete, distinct, false, func, literal, or_, update
from sqlmodel import Session, col, select

from commerce.analytics.capture import forget_old_salts, mark_for_recompute
from commerce.db import dialect_insert, serialise_writes
from commerce.kit.time import utcnow
from commerce.models import (
    AnalyticsDayVisitor,
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
# Rollup dimensions and the event attribute each one groups by.
DIMENSIONS = (
    ("referrer", "referrer_host"),
    ("utm_source", "utm_source"),
    ("utm_campaign", "utm_campaign"),
    ("country", "country"),
    ("device", "device"),
)
# Kinds whose rows count distinct orders.
_ORDERED = ("purchase", "refund")
# pg_advisory_xact_lock key that rollup jobs take turns on ("analytic" in ASCII).
ROLLUP_LOCK = 0x616E616C79746963
_CHUNK = 200


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

    def shop_columns(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in _SHOP_COLUMNS}

    def product_columns(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in _PRODUCT_COLUMNS}

    def dimension_columns(self) -> dict[str, int]:
        return {"views": self.views, "orders": self.orders, "revenue": self.revenue}


_SHOP_COLUMNS = (
    "views",
    "visitors",
    "add_to_cart",
    "checkouts",
    "orders",
    "units",
    "gross",
    "revenue",
    "refunds",
    "refunded",
    "downloads",
)
_PRODUCT_COLUMNS = ("views", "add_to_cart", "checkouts", "orders", "units", "revenue", "refunds", "downloads")


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
        .where(*_rolled_up_on(shop_id, start))
        .group_by(*keys, e.kind)
    )
    totals: dict = defaultdict(_Totals)
    for row in s.exec(query).all():
        key = row[0] if keys else None
        kind, count, visitors, orders, units, revenue, gross = row[len(keys) :]
        totals[key].fold(kind, int(count), int(visitors), int(orders), int(units), int(revenue), int(gross))
    return totals


def _rolled_up_on(shop_id: int, start: datetime) -> tuple:
    """Conditions for the shop's events of the day from `start` that are already rolled up."""
    e = AnalyticsEvent
    return (
        e.shop_id == shop_id,
        e.occurred_at >= start,
        e.occurred_at < start + timedelta(days=1),
        col(e.rolled_up).is_(True),
    )


def _funnel_step():
    """An event's step in `FUNNEL` (1 for a view … 4 for a purchase), NULL for other kinds."""
    return case({kind: rank for rank, kind in enumerate(FUNNEL, 1)}, value=AnalyticsEvent.kind)


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
    step = _funnel_step()
    furthest = (
        select(who.label("who"), func.max(step).label("furthest"))
        .where(*_rolled_up_on(shop_id, start), col(e.kind).in_(FUNNEL))
        .group_by(who)
        .subquery()
    )
    ended = dict(s.exec(select(furthest.c.furthest, func.count()).group_by(furthest.c.furthest)).all())
    return [
        sum(int(ended.get(rank, 0)) for rank in range(reached, len(FUNNEL) + 1))
        for reached in range(1, len(FUNNEL) + 1)
    ]


def _hold(s: Session) -> None:
    """From here to the commit, no other rollup runs: jobs take turns (a second one waits,
    then finds what the first added marked as rolled up)."""
    if s.get_bind().dialect.name == "postgresql":
        s.exec(select(func.pg_advisory_xact_lock(ROLLUP_LOCK))).one()
    else:
        serialise_writes(s)


def roll_up_day(s: Session, shop_id: int, day: date, *, now: datetime | None = None) -> None:
    """Replace the shop's rollups for `day` with totals recomputed from its events (the repair
    path), and its visitors' funnel state with theirs; the day's events count as rolled up."""
    now = now or utcnow()
    _hold(s)
    start = day_start(day)
    shop = s.get(Shop, shop_id)
    if shop is None:
        return
    e = AnalyticsEvent
    in_day = (
        col(e.shop_id) == shop_id,
        col(e.occurred_at) >= start,
        col(e.occurred_at) < start + timedelta(days=1),
    )
    # Mark first, then count only what is marked: an event committed by another transaction
    # between the statements below is left to `fold_new_events`, never counted twice.
    s.exec(update(e).where(*in_day, col(e.rolled_up) == false()).values(rolled_up=True))
    whole = _aggregate(s, shop_id, start).get(None, _Totals())
    funnel = _funnel(s, shop_id, start)
    with_hours = day >= now.date() - timedelta(days=HOURLY_DAYS - 1)
    hours = _aggregate(s, shop_id, start, _hour_of(s)) if with_hours else {}
    products = _aggregate(s, shop_id, start, AnalyticsEvent.product_id)
    dimensions = {
        (name, value): totals
        for name, attribute in DIMENSIONS
        for value, totals in _aggregate(s, shop_id, start, getattr(AnalyticsEvent, attribute)).items()
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
    _rebuild_visitors(s, shop_id, day)

    def shop_row(granularity: str, bucket: datetime, totals: _Totals, reached=(0, 0, 0, 0)) -> ShopRollup:
        return ShopRollup(
            shop_id=shop_id,
            granularity=granularity,
            bucket=bucket,
            currency=shop.currency,
            **totals.shop_columns(),
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
            s.add(ProductRollup(shop_id=shop_id, product_id=product_id, day=day, **totals.product_columns()))
    for (dimension, value), totals in dimensions.items():
        s.add(
            DimensionRollup(
                shop_id=shop_id, day=day, dimension=dimension, value=value[:255], **totals.dimension_columns()
            )
        )
    s.flush()


def _rebuild_visitors(s: Session, shop_id: int, day: date) -> None:
    """The day's `AnalyticsDayVisitor` rows from its rolled-up events (one INSERT … SELECT)."""
    e = AnalyticsEvent
    start = day_start(day)
    s.exec(
        delete(AnalyticsDayVisitor).where(
            col(AnalyticsDayVisitor.shop_id) == shop_id, col(AnalyticsDayVisitor.day) == day
        )
    )
    who = func.coalesce(e.visitor_key, literal("order:").concat(cast(e.order_id, String)))
    step = _funnel_step()
    # Distinct powers of two add up to their OR: bit h for a keyed view in hour h.
    hour_bit = case(
        (
            and_(col(e.kind) == "view", col(e.visitor_key).is_not(None)),
            literal(1, Integer).op("<<")(cast(_hour_of(s), Integer)),
        ),
        else_=literal(0),
    )
    rows = (
        select(  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
            literal(shop_id),
            literal(day),
            who,
            func.max(step),
            func.sum(distinct(hour_bit)),
        )
        .where(
            *_rolled_up_on(shop_id, start),
            col(e.kind).in_(FUNNEL),
            or_(col(e.visitor_key).is_not(None), col(e.order_id).is_not(None)),
        )
        .group_by(who)
    )
    insert = dialect_insert(s)
    s.exec(insert(AnalyticsDayVisitor).from_select(["shop_id", "day", "visitor", "furthest", "view_hours"], rows))


@dataclass(frozen=True)
class Progress:
    """What one `roll_up_pending` did; `more` when it stopped at a limit."""

    days: int
    events: int
    more: bool


def roll_up_pending(s: Session, *, limit: int = 2000, day_limit: int = 50, now: datetime | None = None) -> Progress:
    """Recompute the shop days marked for it (at most `day_limit`), then add the events not
    rolled up yet (at most `limit`)."""
    now = now or utcnow()
    _hold(s)
    marks = s.exec(
        select(AnalyticsPendingRollup.shop_id, col(AnalyticsPendingRollup.day), AnalyticsPendingRollup.version)
        .order_by(col(AnalyticsPendingRollup.day), col(AnalyticsPendingRollup.shop_id))
        .limit(day_limit)
    ).all()
    for shop_id, day, version in marks:
        roll_up_day(s, shop_id, day, now=now)
        # Only if no mark arrived meanwhile; otherwise it stays for the next run.
        s.exec(
            delete(AnalyticsPendingRollup).where(
                col(AnalyticsPendingRollup.shop_id) == shop_id,
                col(AnalyticsPendingRollup.day) == day,
                col(AnalyticsPendingRollup.version) == version,
            )
        )
    events = fold_new_events(s, limit=limit, now=now)
    return Progress(days=len(marks), events=events, more=len(marks) == day_limit or events == limit)


def mark_days_with_events(s: Session) -> int:
    """Mark every shop day that has events for a recompute by the next run (the repair
    `python -m commerce.cli analytics-recompute`); returns how many."""
    column = AnalyticsEvent.occurred_at
    postgres = s.get_bind().dialect.name == "postgresql"
    # SQLite stores UTC text.
    day = cast(func.timezone("UTC", column), Date) if postgres else func.date(column)
    found = s.exec(select(AnalyticsEvent.shop_id, day).distinct()).all()
    for shop_id, when in found:
        moment = when if isinstance(when, date) else date.fromisoformat(str(when))
        mark_for_recompute(s, shop_id, day_start(moment))
    return len(found)


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterator[Sequence]:
    for at in range(0, len(items), size):
        yield items[at : at + size]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _rows_of(event: Any, now: datetime) -> list[tuple]:
    """The rollup rows an event counts in: its shop day, its hour while recent, its product's
    day, and each dimension value it has."""
    at = _utc(event.occurred_at)
    day = at.date()
    start = day_start(day)
    rows: list[tuple] = [("day", event.shop_id, start)]
    if day >= now.date() - timedelta(days=HOURLY_DAYS - 1):
        rows.append(("hour", event.shop_id, start + timedelta(hours=at.hour)))
    if event.product_id is not None:
        rows.append(("product", event.shop_id, event.product_id, day))
    for name, attribute in DIMENSIONS:
        value = getattr(event, attribute)
        if value:
            rows.append(("dimension", event.shop_id, day, name, value[:255]))
    return rows


_EVENT_COLUMNS = (
    AnalyticsEvent.id,
    AnalyticsEvent.kind,
    AnalyticsEvent.occurred_at,
    AnalyticsEvent.shop_id,
    AnalyticsEvent.product_id,
    AnalyticsEvent.visitor_key,
    AnalyticsEvent.referrer_host,
    AnalyticsEvent.utm_source,
    AnalyticsEvent.utm_campaign,
    AnalyticsEvent.country,
    AnalyticsEvent.device,
    AnalyticsEvent.order_id,
    AnalyticsEvent.units,
    AnalyticsEvent.revenue,
    AnalyticsEvent.gross,
)


def fold_new_events(s: Session, *, limit: int = 2000, now: datetime | None = None) -> int:
    """Add the events not rolled up yet (the oldest `limit`) to the rollups and mark them;
    returns how many were added."""
    now = now or utcnow()
    _hold(s)
    e = AnalyticsEvent
    batch: list[Any] = s.exec(  # type: ignore[assignment]
        select(*_EVENT_COLUMNS)  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
        .where(col(e.rolled_up) == false())
        .order_by(col(e.id))
        .limit(limit)
    ).all()
    if not batch:
        return 0

    # Which rows each order of the batch is counted in already (by events rolled up before).
    counted: set[tuple] = set()
    orders = sorted({event.order_id for event in batch if event.kind in _ORDERED and event.order_id is not None})
    for chunk in _chunks(orders):
        prior: list[Any] = s.exec(  # type: ignore[assignment]
            select(*_EVENT_COLUMNS).where(  # type: ignore[call-overload]
                col(e.order_id).in_(chunk), col(e.kind).in_(_ORDERED), col(e.rolled_up).is_(True)
            )
        ).all()
        for event in prior:
            counted.update((event.kind, event.order_id, row) for row in _rows_of(event, now))

    # The funnel state of the batch's visitors.
    def who_of(event) -> str | None:
        if event.visitor_key:
            return event.visitor_key
        return f"order:{event.order_id}" if event.order_id is not None else None

    wanted = {
        (event.shop_id, _utc(event.occurred_at).date(), who)
        for event in batch
        if event.kind in FUNNEL and (who := who_of(event)) is not None
    }
    state: dict[tuple, list[int]] = {}
    by_day: dict[tuple[int, date], list[str]] = defaultdict(list)
    for shop_id, day, who in sorted(wanted):
        by_day[(shop_id, day)].append(who)
    v = AnalyticsDayVisitor
    for (shop_id, day), names in by_day.items():
        # Equality on the key's leading columns: a plain primary-key lookup per name.
        for chunk in _chunks(names):
            for who, furthest, hours in s.exec(
                select(v.visitor, v.furthest, v.view_hours).where(
                    col(v.shop_id) == shop_id, col(v.day) == day, col(v.visitor).in_(chunk)
                )
            ).all():
                state[(shop_id, day, who)] = [furthest, hours]
    before = {key: tuple(value) for key, value in state.items()}

    totals: dict[tuple, _Totals] = defaultdict(_Totals)
    reached: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for event in batch:
        rows = _rows_of(event, now)
        for row in rows:
            orders_added = 0
            if (
                event.kind in _ORDERED
                and event.order_id is not None
                and (event.kind, event.order_id, row) not in counted
            ):
                counted.add((event.kind, event.order_id, row))
                orders_added = 1
            totals[row].fold(event.kind, 1, 0, orders_added, event.units, event.revenue, event.gross)
        if event.kind not in FUNNEL:
            continue
        rank = FUNNEL.index(event.kind) + 1
        day_row = rows[0]
        who = who_of(event)
        # Without a key or an order, a visitor of its own.
        visitor = [0, 0] if who is None else state.setdefault((event.shop_id, day_row[2].date(), who), [0, 0])
        for step in range(visitor[0], rank):
            reached[day_row][step] += 1
        visitor[0] = max(visitor[0], rank)
        if event.kind == "view" and event.visitor_key:
            bit = 1 << _utc(event.occurred_at).hour
            if not visitor[1]:
                totals[day_row].visitors += 1
            if not visitor[1] & bit and len(rows) > 1 and rows[1][0] == "hour":
                totals[rows[1]].visitors += 1
            visitor[1] |= bit

    currency = dict(
        s.exec(select(Shop.id, Shop.currency).where(col(Shop.id).in_({event.shop_id for event in batch}))).all()
    )
    shop_rows, product_rows, dimension_rows = [], [], []
    for row, sums in totals.items():
        if row[0] in ("day", "hour"):
            steps = reached.get(row, [0, 0, 0, 0])
            shop_rows.append(
                {
                    "shop_id": row[1],
                    "granularity": row[0],
                    "bucket": row[2],
                    "currency": currency[row[1]],
                    "computed_at": now,
                    **sums.shop_columns(),
                    "reached_view": steps[0],
                    "reached_cart": steps[1],
                    "reached_checkout": steps[2],
                    "reached_purchase": steps[3],
                }
            )
        elif row[0] == "product":
            product_rows.append({"shop_id": row[1], "product_id": row[2], "day": row[3], **sums.product_columns()})
        else:
            dimension_rows.append(
                {"shop_id": row[1], "day": row[2], "dimension": row[3], "value": row[4], **sums.dimension_columns()}
            )
    _add(s, ShopRollup, ("shop_id", "granularity", "bucket"), shop_rows, replace=("currency", "computed_at"))
    _add(s, ProductRollup, ("product_id", "day"), product_rows, replace=("shop_id",))
    _add(s, DimensionRollup, ("shop_id", "day", "dimension", "value"), dimension_rows)
    changed = [
        {"shop_id": key[0], "day": key[1], "visitor": key[2], "furthest": value[0], "view_hours": value[1]}
        for key, value in state.items()
        if before.get(key) != tuple(value)
    ]
    _add(s, AnalyticsDayVisitor, ("shop_id", "day", "visitor"), changed, replace=("furthest", "view_hours"))
    ids = [event.id for event in batch]
    events = AnalyticsEvent.__table__  # type: ignore[attr-defined]
    for chunk in _chunks(ids, 1000):
        s.connection().execute(update(events).where(events.c.id.in_(chunk)).values(rolled_up=True))
    return len(batch)


def _add(s: Session, model: type, keys: tuple[str, ...], rows: list[dict], *, replace: tuple[str, ...] = ()) -> None:
    """Insert `rows`, or add their counts to the rows already there (`replace` columns are set).

    One statement compiled once and run for every row (executemany: psycopg pipelines it),
    on the session's connection, so the ORM's bulk machinery stays out of the way.
    """
    if not rows:
        return
    insert = dialect_insert(s)
    table = model.__table__  # type: ignore[attr-defined]
    counts = [name for name in rows[0] if name not in keys and name not in replace]
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={
            **{name: table.c[name] + statement.excluded[name] for name in counts},
            **{name: statement.excluded[name] for name in replace},
        },
    )
    s.connection().execute(statement, rows)


def purge(s: Session, *, retention_days: int, now: datetime | None = None) -> tuple[int, int]:
    """Delete visitor events older than `retention_days` (and their days' funnel state) and
    hourly rows past their use.

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
    s.exec(delete(AnalyticsDayVisitor).where(col(AnalyticsDayVisitor.day) < cutoff.date()))
    forget_old_salts(s, today=now.date())
    s.flush()
    return events.rowcount, hourly.rowcount
