"""A sale is counted after its payment commits, once, and a lost counting job is swept up."""

from datetime import timedelta

from sqlmodel import select

from commerce.analytics import rollups, tasks
from commerce.analytics.dashboard import dashboard
from commerce.models import AnalyticsPendingRollup, Notification, Order, WebhookOutcome
from commerce.orders.webhooks import handle_event
from tests.fixtures.analytics import VISIT, buy, events


def card(view, key):
    return next(c for c in view.cards if c.key == key)


def test_the_payment_transaction_writes_no_shop_row_and_the_sale_is_counted_after_its_commit(world, jobs):
    shop = world.shop("USD")
    product = world.product(shop, 2000)
    buyer = world.user()
    result = world.checkout(world.buyer_actor(buyer), [product], currency="USD")
    world.s.commit()
    _, event = world.pay(result.order_reference)

    assert handle_event(world.s, event) == WebhookOutcome.PROCESSED
    # Inside the payment: no purchase event, no shop-day mark, no seller notice (rows other buyers would wait on).
    assert events(world, "purchase") == []
    assert world.s.exec(select(AnalyticsPendingRollup)).all() == []
    assert world.s.exec(select(Notification)).all() == []

    world.s.commit()
    purchases = events(world, "purchase")
    assert [(e.shop_id, e.product_id, e.revenue) for e in purchases] == [(shop.id, product.id, 1900)]
    order = world.s.exec(select(Order).where(Order.reference == result.order_reference)).one()
    assert purchases[0].occurred_at == order.paid_at  # dated at the payment, not at the count
    assert [n.title for n in world.s.exec(select(Notification)).all()] == ["New sale: " + product.title]
    assert len(jobs.ran(tasks.record_paid_order)) == 1


def test_counting_a_sale_twice_records_it_once(world):
    shop = world.shop("USD")
    product = world.product(shop, 2000)
    order = buy(world, world.user(), [product], currency="USD")
    tasks.record_paid_order(order_id=order.id)
    world.s.commit()
    assert len(events(world, "purchase")) == 1
    assert len(world.s.exec(select(Notification)).all()) == 1


def test_a_sale_whose_counting_job_was_lost_is_swept_up_once(world, jobs):
    shop = world.shop("USD")
    product = world.product(shop, 2000)
    counted = buy(world, world.user(), [product], currency="USD", visit=VISIT)
    lost = buy(world, world.user(), [product], currency="USD", visit=VISIT)
    # The process stopped before the second sale's job ran: its events never got written
    # (they did here, and were rolled up, so the day is recomputed without them).
    lost_days = set()
    for row in events(world, "purchase"):
        if row.order_id == lost.id:
            lost_days.add((row.shop_id, row.occurred_at.date()))
            world.s.delete(row)
    world.s.flush()
    for shop_id, day in lost_days:
        rollups.roll_up_day(world.s, shop_id, day)
    lost.paid_at = lost.paid_at - timedelta(minutes=5)
    counted.paid_at = counted.paid_at - timedelta(minutes=5)
    world.s.add_all([lost, counted])
    world.s.commit()
    assert {e.order_id for e in events(world, "purchase")} == {counted.id}

    tasks.record_missed_sales()
    tasks.record_missed_sales()  # a second sweep finds nothing left
    world.s.commit()

    assert sorted(e.order_id for e in events(world, "purchase")) == sorted([counted.id, lost.id])
    rollups.roll_up_pending(world.s)
    assert card(dashboard(world.s, world.seller_actor(shop), range_key="7d"), "orders").value_label == "2"
