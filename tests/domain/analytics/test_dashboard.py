"""The seller dashboard's figures: funnel math, cards with their change, periods, permission."""

from datetime import timedelta

import pytest

from commerce.actor import Actor
from commerce.analytics import rollups
from commerce.analytics.capture import add_event, record_event
from commerce.analytics.dashboard import dashboard, period_for
from commerce.errors import PermissionDenied, ValidationError
from commerce.kit.time import utcnow
from commerce.models import AnalyticsEvent
from tests.fixtures.analytics import VISIT, buy, views


def card(view, key):
    return next(c for c in view.cards if c.key == key)


def test_funnel_and_cards_for_a_period(world):
    shop = world.shop("USD", take_rate_bps=500)
    product = world.product(shop, 2000)
    views(world, [product], 20)
    for _ in range(5):
        record_event(world.s, Actor.anonymous(), "add_to_cart", VISIT, product_ids=[product.id])
    buyers = [world.user() for _ in range(2)]
    for buyer in buyers:
        buy(world, buyer, [product], currency="USD")
    # Two more checkouts that were never paid.
    for buyer in (world.user(), world.user()):
        result = world.checkout(world.buyer_actor(buyer), [product], currency="USD")
        record_event(world.s, world.buyer_actor(buyer), "checkout", VISIT, order_reference=result.order_reference)
    rollups.roll_up_pending(world.s)

    view = dashboard(world.s, world.seller_actor(shop), range_key="7d")

    # One visitor (VISIT) did all of it: the funnel counts visitors, not events (test_funnel.py).
    assert [(step.label, step.count, step.share_label) for step in view.funnel] == [
        ("Viewed a product", 1, "100.0%"),
        ("Added to cart", 1, "100.0%"),
        ("Started checkout", 1, "100.0%"),
        ("Bought", 1, "100.0%"),
    ]
    assert card(view, "revenue").value_label == "$38.00"  # 2 x (20.00 - 5 %)
    assert card(view, "orders").value_label == "2"
    assert card(view, "conversion").value_label == "10.0%"
    assert card(view, "aov").value_label == "$20.00"
    assert card(view, "refund_rate").value_label == "0.0%"
    assert card(view, "revenue").direction == "none"  # nothing before this shop's first day
    assert view.revenue == 3800
    assert view.has_any_data
    assert len(view.series) == 7
    assert view.series[-1].revenue == 38.0
    assert view.series[-1].orders == 2
    assert sum(point.orders for point in view.series) == 2
    assert [row.product_id for row in view.products] == [product.id]
    assert view.products[0].conversion_label == "10.0%"
    assert [(row.value, row.orders) for row in view.campaigns] == [("launch", 2)]


def test_change_against_the_previous_period(world):
    shop = world.shop("USD")
    product = world.product(shop, 1000)
    now = utcnow()

    def sale(days_ago, revenue):
        add_event(
            world.s,
            AnalyticsEvent(
                kind="purchase",
                occurred_at=now - timedelta(days=days_ago),
                shop_id=shop.id,
                product_id=product.id,
                units=1,
                revenue=revenue,
                gross=revenue,
            ),
        )

    def view_on(days_ago, count):
        for _ in range(count):
            add_event(
                world.s,
                AnalyticsEvent(
                    kind="view", occurred_at=now - timedelta(days=days_ago), shop_id=shop.id, product_id=product.id
                ),
            )

    sale(10, 1000)  # previous 7 days: one unit from 10 views
    view_on(10, 10)
    sale(1, 1000)  # this week: three units from 20 views
    sale(2, 1000)
    sale(3, 1000)
    view_on(1, 20)
    rollups.roll_up_pending(world.s, now=now)

    view = dashboard(world.s, world.seller_actor(shop), range_key="7d", now=now)

    revenue = card(view, "revenue")
    assert (revenue.value_label, revenue.change_label, revenue.direction, revenue.tone) == (
        "$30.00",
        "+200%",
        "up",
        "good",
    )
    conversion = card(view, "conversion")
    assert (conversion.value_label, conversion.change_label) == ("15.0%", "+5.0 pts")
    assert len(view.series) == 7


def test_today_is_charted_by_hour(world):
    shop = world.shop()
    product = world.product(shop, 1000)
    views(world, [product], 2)
    now = utcnow()
    rollups.roll_up_pending(world.s, now=now)

    view = dashboard(world.s, world.seller_actor(shop), range_key="today", now=now)

    assert view.hourly
    assert len(view.series) == now.hour + 1
    assert view.series[-1].label == f"{now:%H}:00"


def test_a_new_shop_has_an_empty_dashboard(world):
    shop = world.shop()
    view = dashboard(world.s, world.seller_actor(shop), range_key="30d")
    assert not view.has_any_data
    assert view.revenue == 0
    assert view.products == []
    assert view.referrers == []
    assert card(view, "conversion").value_label == "—"


def test_periods_and_permission(world):
    today = utcnow().date()
    assert period_for("90d", today=today) == (today - timedelta(days=89), today)
    start = (today - timedelta(days=3)).isoformat()
    assert period_for("custom", today=today, custom_start=start, custom_end=today.isoformat())[0].isoformat() == start
    for bad in [
        ("custom", "2026-02-10", "2026-02-01"),
        ("custom", "", ""),
        ("year", "", ""),
        ("custom", today.isoformat(), (today + timedelta(days=1)).isoformat()),
        ("custom", "2020-01-01", today.isoformat()),
    ]:
        with pytest.raises(ValidationError):
            period_for(bad[0], today=today, custom_start=bad[1], custom_end=bad[2])
    with pytest.raises(PermissionDenied):
        dashboard(world.s, world.buyer_actor(world.user()))
