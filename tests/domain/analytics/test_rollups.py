"""Event capture and rollups: the dashboard's tables agree with the raw events and the ledger."""

from datetime import timedelta

import pytest
from sqlmodel import select

from commerce.actor import Actor
from commerce.analytics import rollups
from commerce.analytics.capture import VisitContext, add_event, record_event
from commerce.errors import ValidationError
from commerce.kit.time import utcnow
from commerce.models import (
    AnalyticsDayVisitor,
    AnalyticsEvent,
    AnalyticsPendingRollup,
    DimensionRollup,
    OrderLine,
    ProductRollup,
    ShopRollup,
)
from tests.fixtures.analytics import VISIT, buy, events, refund, views

DIRECT = VisitContext(visitor_id="b" * 32, device="desktop")


def day_rollup(world, shop) -> ShopRollup:
    return world.s.exec(select(ShopRollup).where(ShopRollup.shop_id == shop.id, ShopRollup.granularity == "day")).one()


def line_of(world, order, product) -> OrderLine:
    return world.s.exec(
        select(OrderLine).where(OrderLine.order_id == order.id, OrderLine.product_id == product.id)
    ).one()


def test_views_are_recorded_without_identity_and_sellers_own_visits_do_not_count(world):
    shop = world.shop()
    product = world.product(shop, 1000)
    buyer = world.user()

    assert record_event(world.s, world.buyer_actor(buyer), "view", VISIT, product_ids=[product.id, 999_999]) == 1
    assert record_event(world.s, world.seller_actor(shop), "view", VISIT, product_ids=[product.id]) == 0
    with pytest.raises(ValidationError):
        record_event(world.s, Actor.anonymous(), "purchase", VISIT, product_ids=[product.id])
    # A forged visitor id is dropped rather than stored.
    record_event(world.s, Actor.anonymous(), "view", VisitContext(visitor_id="<script>"), product_ids=[product.id])

    first, forged = events(world, "view")
    assert first.visitor_key  # a pseudonym, never the cookie id
    assert first.visitor_key != "a" * 32
    assert (
        first.shop_id,
        first.product_id,
        first.referrer_host,
        first.utm_campaign,
        first.device,
        first.country,
    ) == (shop.id, product.id, "news.example", "launch", "phone", "DE")
    assert forged.visitor_key is None
    assert not hasattr(first, "user_id")


def test_a_checkout_recorded_twice_counts_once_under_the_days_visitor_key(world):
    shop = world.shop()
    products = [world.product(shop, 1000), world.product(shop, 500)]
    actor = world.buyer_actor(world.user())
    result = world.checkout(actor, products, currency="USD")

    assert record_event(world.s, actor, "checkout", VISIT, order_reference=result.order_reference) == 2
    assert record_event(world.s, actor, "checkout", VISIT, order_reference=result.order_reference) == 0

    checkouts = events(world, "checkout")
    assert len(checkouts) == 2
    # The day's key (as on the visitor's views), never the cookie id, and the source.
    record_event(world.s, actor, "view", VISIT, product_ids=[products[0].id])
    (view,) = events(world, "view")
    assert {(e.visitor_key, e.utm_campaign) for e in checkouts} == {(view.visitor_key, "launch")}


def test_rollups_match_raw_events_refunds_and_currency(world):
    """A EUR shop sells in EUR and in USD; one line is refunded in full, one in part."""
    shop = world.shop("EUR", take_rate_bps=500)
    ebook, course = world.product(shop, 1000), world.product(shop, 2500)
    views(world, [ebook], 6)
    views(world, [course], 4, visit=DIRECT)
    record_event(world.s, Actor.anonymous(), "add_to_cart", VISIT, product_ids=[ebook.id])
    record_event(world.s, Actor.anonymous(), "add_to_cart", VISIT, product_ids=[ebook.id])

    in_euros = buy(world, world.user(), [ebook, course], currency="EUR", country="DE")
    in_dollars = buy(world, world.user(), [ebook], currency="USD", country="US")
    refund(world, shop, in_euros, {line_of(world, in_euros, course).id: line_of(world, in_euros, course).total})
    half = line_of(world, in_dollars, ebook).total // 2
    refund(world, shop, in_dollars, {line_of(world, in_dollars, ebook).id: half})

    rollups.roll_up_pending(world.s)
    day = day_rollup(world, shop)
    raw = events(world)

    assert (day.views, day.visitors, day.add_to_cart, day.checkouts, day.orders, day.units, day.refunds) == (
        10,
        2,
        2,
        3,
        2,
        3,
        2,
    )
    assert day.revenue == sum(e.revenue for e in raw)
    assert day.currency == "EUR"
    # By hand: 10.00 - 5 % = 9.50 (EUR order); the course refunded in full nets 0; the USD
    # order (11.60 USD, 11.02 after commission = 9.50 EUR) half refunded takes back 4.75 EUR.
    assert day.revenue == 950 + 950 - 475
    assert day.refunded == 2375 + 475
    # Sales before commission, net of tax: 10.00 + 25.00 + 11.60 USD at the order's rate.
    assert day.gross == 1000 + 2500 + 1000
    # The line refunded in full cancels exactly, currency conversion included.
    course_line = line_of(world, in_euros, course)
    assert sum(e.revenue for e in raw if e.order_line_id == course_line.id) == 0

    by_product = {row.product_id: row for row in world.s.exec(select(ProductRollup)).all()}
    assert (by_product[ebook.id].views, by_product[ebook.id].units, by_product[ebook.id].revenue) == (6, 2, 1425)
    assert (
        by_product[course.id].views,
        by_product[course.id].units,
        by_product[course.id].revenue,
        by_product[course.id].refunds,
    ) == (4, 1, 0, 1)

    dimensions = {(row.dimension, row.value): row for row in world.s.exec(select(DimensionRollup)).all()}
    assert (dimensions[("referrer", "news.example")].views, dimensions[("referrer", "news.example")].orders) == (6, 2)
    assert dimensions[("utm_campaign", "launch")].revenue == 1425
    # Purchases take the billing country; views the visitor's.
    assert dimensions[("country", "US")].orders == 1
    assert (dimensions[("country", "DE")].views, dimensions[("country", "DE")].orders) == (6, 1)

    hours = world.s.exec(
        select(ShopRollup).where(ShopRollup.shop_id == shop.id, ShopRollup.granularity == "hour")
    ).all()
    assert sum(h.revenue for h in hours) == day.revenue
    assert sum(h.views for h in hours) == day.views


def test_rolling_up_again_gives_the_same_tables(world):
    shop = world.shop()
    product = world.product(shop, 1000)
    views(world, [product], 3)
    buy(world, world.user(), [product], currency="USD")
    rollups.roll_up_pending(world.s)
    first = [(r.granularity, r.bucket, r.views, r.orders, r.revenue) for r in world.s.exec(select(ShopRollup)).all()]

    rollups.roll_up_day(world.s, shop.id, utcnow().date())

    again = [(r.granularity, r.bucket, r.views, r.orders, r.revenue) for r in world.s.exec(select(ShopRollup)).all()]
    assert sorted(again) == sorted(first)
    assert len(world.s.exec(select(ProductRollup)).all()) == 1


def test_a_purchase_keyed_after_it_was_counted_has_its_day_recomputed(world):
    """A free claim's purchase is counted before its page records the checkout; the checkout
    then gives it the visitor's key, which adding events cannot express: the day is recomputed."""
    shop = world.shop()
    product = world.product(shop, 1000)
    buyer = world.user()
    actor = world.buyer_actor(buyer)
    result = world.checkout(actor, [product], currency="USD")
    _, event = world.pay(result.order_reference)
    from commerce.orders.webhooks import handle_event

    handle_event(world.s, event)
    world.s.commit()  # the sale is counted and rolled up: the order is a visitor of its own
    record_event(world.s, actor, "view", VISIT, product_ids=[product.id])
    rollups.roll_up_pending(world.s)
    assert day_rollup(world, shop).reached_view == 2

    record_event(world.s, actor, "checkout", VISIT, order_reference=result.order_reference)
    assert [(m.shop_id, m.day) for m in world.s.exec(select(AnalyticsPendingRollup)).all()] == [
        (shop.id, utcnow().date())
    ]
    assert rollups.roll_up_pending(world.s).days == 1
    day = day_rollup(world, shop)
    world.s.refresh(day)
    # One visitor now: viewed, checked out and bought.
    assert (day.reached_view, day.reached_checkout, day.reached_purchase) == (1, 1, 1)
    assert world.s.exec(select(AnalyticsPendingRollup)).all() == []


def test_old_visitor_events_are_deleted_but_sales_and_rollups_stay(world):
    shop = world.shop()
    product = world.product(shop, 1000)
    now = utcnow()
    old = now - timedelta(days=40)
    for kind in ("view", "add_to_cart", "download"):
        add_event(world.s, AnalyticsEvent(kind=kind, occurred_at=old, shop_id=shop.id, product_id=product.id))
    add_event(
        world.s,
        AnalyticsEvent(kind="view", occurred_at=old, shop_id=shop.id, product_id=product.id, visitor_key="k" * 32),
    )
    add_event(
        world.s,
        AnalyticsEvent(
            kind="purchase", occurred_at=old, shop_id=shop.id, product_id=product.id, units=1, revenue=950, gross=1000
        ),
    )
    views(world, [product], 2)
    rollups.roll_up_pending(world.s, now=now)
    assert world.s.exec(select(AnalyticsDayVisitor.day)).all() != []

    deleted, _ = rollups.purge(world.s, retention_days=30, now=now)

    assert deleted == 4
    assert [e.kind for e in events(world)] == ["purchase", "view", "view"]
    old_day = world.s.exec(select(ShopRollup).where(ShopRollup.bucket == rollups.day_start(old.date()))).one()
    assert (old_day.views, old_day.visitors, old_day.add_to_cart, old_day.revenue) == (2, 1, 1, 950)
    # The old day's visitor keys go with its events; today's stay.
    assert set(world.s.exec(select(AnalyticsDayVisitor.day)).all()) == {now.date()}
    with pytest.raises(ValueError, match="analytics events must be kept at least"):
        rollups.purge(world.s, retention_days=1, now=now)


def test_hourly_rows_are_kept_for_recent_days_only(world):
    shop = world.shop()
    product = world.product(shop, 1000)
    now = utcnow()
    add_event(
        world.s,
        AnalyticsEvent(kind="view", occurred_at=now - timedelta(days=5), shop_id=shop.id, product_id=product.id),
    )
    views(world, [product], 1)
    rollups.roll_up_pending(world.s, now=now)

    hourly = world.s.exec(select(ShopRollup).where(ShopRollup.granularity == "hour")).all()
    latest = events(world, "view")[-1].occurred_at
    assert [row.bucket for row in hourly] == [latest.replace(minute=0, second=0, microsecond=0)]


def test_a_counted_download_is_recorded_with_its_device_only(world):
    from commerce.analytics.capture import record_download
    from commerce.models import ProductFile, ProductVersion

    shop = world.shop()
    product = world.product(shop, 1000)
    version = ProductVersion(product_id=product.id, number=1, label="1.0")
    world.s.add(version)
    world.s.flush()
    file = ProductFile(
        product_id=product.id,
        version_id=version.id,
        filename="a.pdf",
        blob_key="k",
        size_bytes=1,
        sha256="0" * 64,
        content_type="application/pdf",
    )
    world.s.add(file)
    world.s.flush()

    record_download(world.s, file.id, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile")
    record_download(world.s, file.id, "Googlebot/2.1")
    record_download(world.s, 999_999, "Mozilla/5.0")
    rollups.roll_up_pending(world.s)

    [download] = events(world, "download")
    assert (download.product_id, download.device, download.visitor_key) == (product.id, "phone", None)
    assert day_rollup(world, shop).downloads == 1


def test_jobs_take_turns_and_count_each_event_once(committed_postgres):
    """Two rollup jobs at once on PostgreSQL: the second waits for the first, then adds only
    what the first left; every event is counted once."""
    from commerce.db import unit_of_work
    from tests.domain.analytics.test_committed import _shop_with_views
    from tests.fixtures.databases import run_together

    shop_id = _shop_with_views({0: 30})

    def job(_):
        with unit_of_work() as s:
            return rollups.roll_up_pending(s, limit=1000).events

    assert sorted(run_together(job, range(3))) == [0, 0, 30]
    with unit_of_work() as s:
        views = s.exec(
            select(ShopRollup.views).where(ShopRollup.shop_id == shop_id, ShopRollup.granularity == "day")
        ).one()
    assert views == 30


def test_the_repair_recomputes_every_day_that_has_events(world):
    shop = world.shop()
    product = world.product(shop, 1000)
    now = utcnow()
    add_event(
        world.s,
        AnalyticsEvent(kind="view", occurred_at=now - timedelta(days=3), shop_id=shop.id, product_id=product.id),
    )
    views(world, [product], 2)
    rollups.roll_up_pending(world.s, now=now)
    # A row damaged by hand: the repair puts back what the events say.
    today = world.s.exec(
        select(ShopRollup).where(ShopRollup.bucket == rollups.day_start(now.date()), ShopRollup.granularity == "day")
    ).one()
    today.views = 99
    world.s.add(today)
    world.s.flush()

    assert rollups.mark_days_with_events(world.s) >= 2
    assert rollups.roll_up_pending(world.s, now=now).days >= 2
    world.s.expire_all()
    bucket = rollups.day_start(now.date())
    assert world.s.exec(
        select(ShopRollup.views).where(ShopRollup.bucket == bucket, ShopRollup.granularity == "day")
    ).all() == [2]
    assert world.s.exec(select(AnalyticsPendingRollup)).all() == []
