"""In-app notifications on a sale, preferences per kind and channel, and the email sender honouring them."""

import pytest
from sqlmodel import select

from commerce.actor import Actor
from commerce.db import unit_of_work
from commerce.delivery.library import set_update_emails
from commerce.errors import ValidationError
from commerce.models import Notification, OrderLine, User, UserRole
from commerce.notifications import inapp, preferences
from commerce.notifications import tasks as email_tasks
from tests.fixtures.analytics import buy, refund
from tests.fixtures.databases import run_together

# What the email jobs are given for a product update and a sale alert.
PRODUCT_UPDATE = dict(
    product="Icons",
    version="2.0",
    release_notes="More icons",
    library_url="http://shop.test/library",
    unsubscribe_url="http://shop.test/account",
)
SALE_ALERT = dict(seller="Sam", product="Icons", amount=500, currency="USD")


def test_runs_giving_the_same_notice_at_once_give_it_once_and_all_succeed(committed_postgres):
    """Two runs of a sale's job (a retry overtaking a slow first run): one notice, no error."""
    with unit_of_work() as s:
        seller = User(email="racing-seller@example.com", display_name="Sam", password_hash="!", role=UserRole.SELLER)
        s.add(seller)
        s.flush()
        seller_id = seller.id

    def notify(_):
        with unit_of_work() as s:
            return inapp.notify(s, seller_id, kind="sale_alert", title="New sale: Icons", dedupe_key="sale:ORD-1:1")

    assert sorted(run_together(notify, range(6))) == [False] * 5 + [True]
    with unit_of_work() as s:
        assert len(s.exec(select(Notification).where(Notification.user_id == seller_id)).all()) == 1


def test_a_sale_notifies_the_seller_in_the_app_once(world):
    shop = world.shop("USD")
    product = world.product(shop, 1500, title="Pixel Icons")
    seller = world.seller_actor(shop)
    before = inapp.live_status(world.s, seller)

    order = buy(world, world.user(), [product], currency="USD")

    [note] = inapp.list_notifications(world.s, seller).items
    assert (note.kind, note.title, note.unread) == ("sale_alert", "New sale: Pixel Icons", True)
    assert order.reference in note.body
    assert "$15.00" in note.body
    status = inapp.live_status(world.s, seller)
    assert (status.latest_id, status.unread) == (note.id, 1)
    assert status.latest_id > before.latest_id
    # A retried hook (same order) does not notify twice.
    assert not inapp.notify(
        world.s, shop.owner_id, kind="sale_alert", title="again", dedupe_key=f"sale:{order.reference}:{shop.id}"
    )
    assert inapp.notifications_after(world.s, seller, before.latest_id) == [note]

    assert inapp.mark_read(world.s, seller) == 1
    assert inapp.live_status(world.s, seller).unread == 0
    # Someone else's ids change nothing.
    assert inapp.mark_read(world.s, world.buyer_actor(world.user()), [note.id]) == 0


def test_a_refund_tells_the_buyer_in_the_app(world):
    shop = world.shop("USD")
    buyer = world.user()
    order = buy(world, buyer, [world.product(shop, 1200)], currency="USD")

    refund(
        world,
        shop,
        order,
        {line.id: 500 for line in world.s.exec(select(OrderLine).where(OrderLine.order_id == order.id)).all()},
    )

    [note] = inapp.list_notifications(world.s, world.buyer_actor(buyer)).items
    assert (note.kind, note.title, note.url) == (
        "refund_notice",
        f"Refund of $5.00 for order {order.reference}",
        f"/orders/{order.reference}",
    )


def test_a_seller_who_switched_in_app_sale_alerts_off_gets_none(world):
    shop = world.shop("USD")
    seller = world.seller_actor(shop)
    preferences.set_notification_preference(world.s, seller, kind="sale_alert", channel="in_app", enabled=False)
    buy(world, world.user(), [world.product(shop, 1000)], currency="USD")
    assert inapp.list_notifications(world.s, seller).items == []


def test_preferences_have_defaults_and_refuse_what_cannot_be_switched_off(world):
    actor = world.buyer_actor(world.user())
    view = preferences.get_preferences(world.s, actor)
    # Push is offered only where the web_push flag is on (test_push_and_sms covers it).
    assert {(p.kind, p.channel): p.enabled for p in view.notifications} == {
        ("sale_alert", "email"): True,
        ("sale_alert", "in_app"): True,
        ("sale_alert", "sms"): False,
    }
    assert view.share_email_with_sellers

    view = preferences.set_notification_preference(world.s, actor, kind="sale_alert", channel="email", enabled=False)
    assert not next(p for p in view.notifications if (p.kind, p.channel) == ("sale_alert", "email")).enabled
    assert preferences.allows(world.s, actor.user_id, "sale_alert", "in_app")
    assert preferences.set_share_email(world.s, actor, enabled=False).share_email_with_sellers is False
    # Product update emails have the library's own switch, not a second one here.
    for kind, channel, enabled in [
        ("receipt", "email", False),
        ("sale_alert", "fax", False),
        ("sale_alert", "email", "no"),
        ("product_update", "email", False),
    ]:
        with pytest.raises(ValidationError):
            preferences.set_notification_preference(world.s, actor, kind=kind, channel=channel, enabled=enabled)


def test_the_email_sender_respects_switched_off_kinds_but_always_sends_receipts(world, outbox):
    user = world.user(email="zoe@example.com")
    set_update_emails(world.s, world.buyer_actor(user), False)
    seller = world.shop().owner_id
    seller_email = world.s.get(User, seller).email
    preferences.set_notification_preference(
        world.s, Actor(user_id=seller, role=UserRole.SELLER), kind="sale_alert", channel="email", enabled=False
    )

    email_tasks.deliver_email(world.s, to="Zoe@Example.com", kind="product_update", context=PRODUCT_UPDATE)
    email_tasks.deliver_email(
        world.s,
        to=seller_email,
        kind="sale_alert",
        context=SALE_ALERT,
    )
    assert list(outbox.glob("*.eml")) == []

    email_tasks.deliver_email(
        world.s,
        to="zoe@example.com",
        kind="refund_notice",
        idempotency_key="refund:t1",
        context=dict(display_name="Zoë", order_reference="ORD-1", amount=500, currency="EUR"),
    )
    email_tasks.deliver_email(world.s, to="someone@else.example", kind="product_update", context=PRODUCT_UPDATE)
    assert len(list(outbox.glob("*.eml"))) == 2


def test_a_switch_turned_back_on_lets_the_email_go_again(world, outbox):
    seller = world.shop().owner_id
    seller_actor = Actor(user_id=seller, role=UserRole.SELLER)
    seller_email = world.s.get(User, seller).email
    buyer = world.user()

    # Never touched: sale alerts and product updates go by default.
    assert email_tasks.deliver_email(world.s, to=seller_email, kind="sale_alert", context=SALE_ALERT)
    assert email_tasks.deliver_email(world.s, to=buyer.email, kind="product_update", context=PRODUCT_UPDATE)

    preferences.set_notification_preference(world.s, seller_actor, kind="sale_alert", channel="email", enabled=False)
    set_update_emails(world.s, world.buyer_actor(buyer), False)
    assert not email_tasks.deliver_email(world.s, to=seller_email, kind="sale_alert", context=SALE_ALERT)
    assert not email_tasks.deliver_email(world.s, to=buyer.email, kind="product_update", context=PRODUCT_UPDATE)

    preferences.set_notification_preference(world.s, seller_actor, kind="sale_alert", channel="email", enabled=True)
    set_update_emails(world.s, world.buyer_actor(buyer), True)
    assert email_tasks.deliver_email(world.s, to=seller_email, kind="sale_alert", context=SALE_ALERT)
    assert email_tasks.deliver_email(world.s, to=buyer.email, kind="product_update", context=PRODUCT_UPDATE)
    assert len(list(outbox.glob("*.eml"))) == 4


def test_the_notifications_list_pages_through_every_one_once_and_only_the_users_own(world):
    user, other = world.user(), world.user()
    for n in range(5):
        inapp.notify(world.s, user.id, kind="sale_alert", title=f"Yours {n}")
    inapp.notify(world.s, other.id, kind="sale_alert", title="Someone else's")
    actor = world.buyer_actor(user)

    pages = [inapp.list_notifications(world.s, actor, page=n, per_page=2) for n in (1, 2, 3)]

    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert (pages[0].total, pages[0].page_count, pages[0].has_next, pages[2].has_next) == (5, 3, True, False)
    assert [note.title for p in pages for note in p.items] == [f"Yours {n}" for n in (4, 3, 2, 1, 0)]
    past_the_end = inapp.list_notifications(world.s, actor, page=40, per_page=2)
    assert past_the_end.page == 3
    assert [note.title for note in past_the_end.items] == ["Yours 0"]
    assert inapp.list_notifications(world.s, actor, page=0, per_page=2).page == 1
