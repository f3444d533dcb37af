"""Analytics at shop scale: rolling up a busy day, reading the dashboard, streaming the CSV exports.

    .venv/bin/python bench/analytics/run.py --views 200000 --orders 50000

Runs on a throwaway PostgreSQL database (created, migrated and dropped here) on the
server given by --server (default: the one `make test` ensures). Prints figures; it
asserts only that the numbers add up.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402

from commerce.actor import Actor  # noqa: E402
from commerce.analytics import exports, rollups  # noqa: E402
from commerce.analytics.dashboard import dashboard  # noqa: E402
from commerce.models import (  # noqa: E402
    AnalyticsEvent,
    LedgerPosting,
    LedgerTransaction,
    Order,
    OrderLine,
    Product,
    Shop,
    User,
)

CHUNK = 10_000


@contextmanager
def throwaway_database(server: str):
    from tests.fixtures.databases import alembic_upgrade

    base = make_url(server)
    name = f"bench_analytics_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = create_engine(base.set(database=name))
    try:
        alembic_upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def bulk(engine, model, rows) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(model.__table__), rows[start : start + CHUNK])


def analyze(engine) -> None:
    """What autovacuum would have done by now after a bulk load."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")


def timed(label: str, fn):
    started = time.perf_counter()
    result = fn()
    print(f"  {label:<52} {time.perf_counter() - started:8.2f} s")
    return result


def clock(label: str, fn) -> float:
    """Seconds `fn` took (printed too)."""
    started = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - started
    print(f"  {label:<60} {elapsed:8.3f} s")
    return elapsed


def fold_all(s, now) -> int:
    total = 0
    while done := rollups.fold_new_events(s, limit=5000, now=now):
        total += done
    return total


def per_event(label: str, seconds: float, floor: float, count: int) -> None:
    print(
        f"  {label:<52} {seconds / count * 1e6:8.1f} µs/event, floor {floor / count * 1e6:6.1f} µs/event "
        f"(insert), ratio {seconds / floor:5.1f}×"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=200_000, help="product views on the busy day")
    parser.add_argument("--orders", type=int, default=50_000, help="paid one-line orders for the exports")
    parser.add_argument("--burst", type=int, default=300, help="new events in one rollup run during a sale burst")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    rng = random.Random(8)
    now = datetime.now(UTC).replace(microsecond=0)
    day_start = rollups.day_start(now.date())

    with throwaway_database(args.server) as engine:
        with Session(engine) as s:
            owner = User(email="seller@bench.test", display_name="Seller", password_hash="!", role="seller")
            s.add(owner)
            s.flush()
            shop = Shop(owner_id=owner.id, slug="bench", name="Bench", currency="USD")
            s.add(shop)
            s.flush()
            products = [
                Product(
                    shop_id=shop.id,
                    slug=f"p{i}",
                    title=f"Product {i}",
                    pricing="fixed",
                    price_amount=1900,
                    currency="USD",
                )
                for i in range(50)
            ]
            s.add_all(products)
            buyers = [User(email=f"b{i}@bench.test", display_name=f"B{i}", password_hash="!") for i in range(1000)]
            s.add_all(buyers)
            s.commit()
            owner_id, shop_id = owner.id, shop.id
            product_ids, buyer_ids = [p.id for p in products], [b.id for b in buyers]
        actor = Actor(user_id=owner_id, role="seller", shop_id=shop_id)

        print(f"Rolling up one day of {args.views:,} views (+ carts, checkouts, 2 % purchases):")
        events = []
        for _ in range(args.views):
            product = rng.choice(product_ids)
            at = day_start + timedelta(
                seconds=rng.randrange(0, min(86_400, int((now - day_start).total_seconds()) + 1))
            )
            source = rng.choice([None, "news.example", "search.example", "social.example"])
            base = dict(
                occurred_at=at,
                shop_id=shop_id,
                product_id=product,
                visitor_key=uuid.uuid4().hex,
                referrer_host=source,
                utm_campaign=rng.choice([None, None, "launch", "autumn"]),
                device=rng.choice(["desktop", "phone", "tablet"]),
                country=rng.choice(["US", "DE", "FR"]),
                units=0,
                revenue=0,
                gross=0,
            )
            events.append({**base, "kind": "view"})
            roll = rng.random()
            if roll < 0.08:
                events.append({**base, "kind": "add_to_cart"})
            if roll < 0.04:
                events.append({**base, "kind": "checkout"})
            if roll < 0.02:
                events.append({**base, "kind": "purchase", "units": 1, "revenue": 1805, "gross": 1900})
        # The day arrives over time: the job runs after each slice, and autovacuum analyzes the
        # tables between runs (as this script does after every bulk load).
        slices = 10
        inserted = folded = 0.0
        for at in range(slices):
            part = events[at * len(events) // slices : (at + 1) * len(events) // slices]
            started = time.perf_counter()
            bulk(engine, AnalyticsEvent, part)
            inserted += time.perf_counter() - started
            analyze(engine)
            with Session(engine) as s:
                started = time.perf_counter()
                fold_all(s, now)
                s.commit()
                folded += time.perf_counter() - started
        label = f"insert {len(events):,} events in {slices} slices (floor)"
        print(f"  {label:<60} {inserted:8.3f} s")
        print(f"  {'fold_new_events after each slice':<60} {folded:8.3f} s")
        per_event("  the day, incremental", folded, inserted, len(events))
        with Session(engine) as s:
            recomputed = clock(
                "roll_up_day: recompute the day (repair path; the old job)",
                lambda: rollups.roll_up_day(s, shop_id, now.date(), now=now),
            )
            s.commit()

        per_event("  the day, recomputed once (the old job's every run)", recomputed, inserted, len(events))
        analyze(engine)

        # What a debounced run sees during a sale burst: a few hundred new events on a busy day.
        burst = [dict(e, occurred_at=now) for e in rng.sample(events, args.burst)]
        inserted = clock(f"insert {len(burst):,} more events (floor)", lambda: bulk(engine, AnalyticsEvent, burst))
        with Session(engine) as s:
            folded = clock(f"fold_new_events: add the {len(burst):,} new ones", lambda: fold_all(s, now))
            s.commit()
        per_event("  a burst's run, incremental", folded, inserted, len(burst))
        per_event("  a burst's run, recomputing the day (before)", recomputed, inserted, len(burst))
        with Session(engine) as s:
            view = timed(
                "dashboard, last 90 days (reads rollups only)", lambda: dashboard(s, actor, range_key="90d", now=now)
            )
            purchases = sum(1 for e in events + burst if e["kind"] == "purchase")
            assert view.revenue == purchases * 1805, (view.revenue, purchases)
            print(
                f"  revenue {view.revenue_label} from {purchases:,} purchases; funnel "
                + " → ".join(f"{step.count:,}" for step in view.funnel)
            )

        print(f"Streaming exports of {args.orders:,} paid order lines:")
        orders, lines, txs, postings = [], [], [], []
        for i in range(args.orders):
            paid = now - timedelta(minutes=i)
            orders.append(
                dict(
                    id=i + 1,
                    reference=f"ORD-B{i:08d}",
                    buyer_id=rng.choice(buyer_ids),
                    email=f"b{i % 1000}@bench.test",
                    billing_country="US",
                    currency="USD",
                    subtotal=1900,
                    discount=0,
                    tax=0,
                    total=1900,
                    refunded_amount=0,
                    status="paid",
                    created_at=paid,
                    paid_at=paid,
                )
            )
            lines.append(
                dict(
                    id=i + 1,
                    order_id=i + 1,
                    product_id=rng.choice(product_ids),
                    shop_id=shop_id,
                    title="Product",
                    list_amount=1900,
                    list_currency="USD",
                    exchange_rate=Decimal(1),
                    unit_price=1900,
                    discount=0,
                    net=1900,
                    tax_rate_bps=0,
                    tax=0,
                    total=1900,
                    refunded_amount=0,
                )
            )
            txs.append(
                dict(
                    id=i + 1,
                    order_id=i + 1,
                    order_line_id=i + 1,
                    kind="sale",
                    memo="",
                    created_at=paid,
                    available_at=paid,
                )
            )
            for account, amount in (
                ("buyer_payment", 1900),
                ("tax_collected", 0),
                ("platform_commission", -95),
                ("gateway_fee", -55),
                ("seller_earnings", -1750),
            ):
                postings.append(
                    dict(
                        transaction_id=i + 1,
                        account=account,
                        amount=amount,
                        currency="USD",
                        shop_id=shop_id if account == "seller_earnings" else None,
                    )
                )
        timed(
            "insert orders, lines and ledger postings",
            lambda: (
                bulk(engine, Order, orders),
                bulk(engine, OrderLine, lines),
                bulk(engine, LedgerTransaction, txs),
                bulk(engine, LedgerPosting, postings),
            ),
        )
        analyze(engine)

        @contextmanager
        def sessions():
            with Session(engine) as s:
                yield s

        for name, build in (("sales.csv", exports.sales_csv), ("customers.csv", exports.customers_csv)):
            size = rows = 0

            def stream(build=build):
                nonlocal size, rows
                size = rows = 0
                for chunk in build(sessions, actor):
                    size += len(chunk)
                    rows += chunk.count("\n")

            timed(f"stream {name}", stream)
            tracemalloc.start()  # a second pass: tracing slows Python down, so it is not timed
            stream()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"    {rows - 1:,} rows, {size / 1e6:.1f} MB of CSV, peak Python memory {peak / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
