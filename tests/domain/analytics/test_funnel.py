"""The funnel counts visitors who reached each step, under a pseudonym that changes every day."""

import random
from datetime import timedelta

from sqlmodel import select

from commerce.actor import Actor
from commerce.analytics import rollups
from commerce.analytics.capture import VisitContext, day_salt, record_event
from commerce.analytics.dashboard import dashboard
from commerce.kit.time import utcnow
from commerce.models import AnalyticsEvent, AnalyticsSalt
from tests.fixtures.analytics import buy, events, order_row


def visitor(n: int) -> VisitContext:
    return VisitContext(visitor_id=f"{n:032x}", device="desktop")


def funnel(world, shop):
    rollups.roll_up_pending(world.s)
    view = dashboard(world.s, world.seller_actor(shop), range_key="7d")
    return [(step.label, step.count) for step in view.funnel]


def test_each_step_counts_the_visitors_who_reached_it(world):
    shop = world.shop("USD")
    ebook, course = world.product(shop, 1000), world.product(shop, 2500)
    free = world.product(shop, 0)
    anonymous = Actor.anonymous()
    for n in (1, 2, 3, 4):
        record_event(world.s, anonymous, "view", visitor(n), product_ids=[ebook.id])
        record_event(world.s, anonymous, "view", visitor(n), product_ids=[course.id])  # two views, one visitor
    for n in (2, 3):
        record_event(world.s, anonymous, "add_to_cart", visitor(n), product_ids=[ebook.id])
    # Visitor 3 starts a checkout and leaves it unpaid.
    unpaid = world.checkout(world.buyer_actor(world.user()), [ebook], currency="USD")
    record_event(world.s, anonymous, "checkout", visitor(3), order_reference=unpaid.order_reference)
    # Visitor 4 buys two products; their cart events were never recorded (a tab closed, a blocker).
    buy(world, world.user(), [ebook, course], currency="USD", visit=visitor(4))
    # Visitor 5 claims a free product straight from a link: no view, no cart, only the claim.
    claimer = world.buyer_actor(world.user())
    claim = world.checkout(claimer, [free], currency="USD")
    world.s.commit()  # the claim's sale is counted after its commit, before the page records the checkout
    record_event(world.s, claimer, "checkout", visitor(5), order_reference=claim.order_reference)

    assert funnel(world, shop) == [
        ("Viewed a product", 5),
        ("Added to cart", 4),  # 2 and 3 added; 4 and 5 bought, so they had a cart
        ("Started checkout", 3),  # 3, 4 and the free claim
        ("Bought", 2),  # 4 (two items, one visitor) and the claim
    ]
    view = dashboard(world.s, world.seller_actor(shop), range_key="7d")
    assert [(s.count_label, s.share_label, s.step_label) for s in view.funnel] == [
        ("5", "100.0%", "—"),
        ("4", "80.0%", "80.0%"),
        ("3", "60.0%", "75.0%"),
        ("2", "40.0%", "66.7%"),
    ]
    # The claim's purchase carries its checkout's key, recorded after it.
    purchases = events(world, "purchase")
    claimed = [e for e in purchases if e.order_id == order_row(world, claim.order_reference).id]
    (checkout,) = [e for e in events(world, "checkout") if e.order_id == claimed[0].order_id]
    assert claimed[0].visitor_key == checkout.visitor_key is not None


def test_a_purchase_without_a_visible_cart_or_checkout_still_counts_in_every_step(world):
    shop = world.shop("USD")
    product = world.product(shop, 1000)
    # A paid order whose checkout was never recorded by a page (no visitor key at all).
    buy(world, world.user(), [product], currency="USD", visit=None)

    assert funnel(world, shop) == [
        ("Viewed a product", 1),
        ("Added to cart", 1),
        ("Started checkout", 1),
        ("Bought", 1),
    ]


def test_counts_never_increase_down_the_funnel(world):
    shop = world.shop("USD")
    products = [world.product(shop, 500 + n) for n in range(3)]
    chance = random.Random(13)
    for _ in range(60):
        who = visitor(chance.randrange(12))
        kind = chance.choice(["view", "view", "add_to_cart", "checkout", "purchase"])
        product = chance.choice(products)
        if kind in {"view", "add_to_cart"}:
            record_event(world.s, Actor.anonymous(), kind, who, product_ids=[product.id])
        else:
            actor = world.buyer_actor(world.user())
            if kind == "purchase":
                buy(world, world.user(), [product], currency="USD", visit=chance.choice([who, None]))
            else:
                result = world.checkout(actor, [product], currency="USD")
                record_event(world.s, actor, "checkout", who, order_reference=result.order_reference)

    counts = [count for _, count in funnel(world, shop)]
    assert counts[-1] > 0
    assert counts == sorted(counts, reverse=True), counts


def test_a_visitor_has_another_key_each_day_and_old_salts_are_deleted(world):
    today = utcnow().date()
    days = [today - timedelta(days=n) for n in (3, 2, 1, 0)]
    salts = [day_salt(world.s, day) for day in days]

    assert len(set(salts)) == 4
    kept = world.s.exec(select(AnalyticsSalt.day).order_by(AnalyticsSalt.day)).all()
    assert kept == [today - timedelta(days=1), today]  # today's and yesterday's only
    assert day_salt(world.s, today) == salts[-1]  # one salt per day, made once

    shop = world.shop("USD")
    product = world.product(shop, 1000)
    record_event(world.s, Actor.anonymous(), "view", visitor(1), product_ids=[product.id])
    other_shop_product = world.product(world.shop("USD"), 1000)
    record_event(world.s, Actor.anonymous(), "view", visitor(1), product_ids=[other_shop_product.id])
    here, there = world.s.exec(select(AnalyticsEvent.visitor_key).order_by(AnalyticsEvent.id)).all()
    assert here
    assert here != there  # a visitor is not followed from shop to shop

    # The daily purge deletes what is left of older salts (a day without any event).
    world.s.add(AnalyticsSalt(day=today - timedelta(days=5), salt=b"x" * 32))
    world.s.flush()
    rollups.purge(world.s, retention_days=90)
    assert world.s.exec(select(AnalyticsSalt.day).where(AnalyticsSalt.day < today - timedelta(days=1))).all() == []
