"""Push and SMS: opt-in per kind, sent by jobs that check the person's choice when they run."""

import pytest

from commerce.errors import ValidationError
from commerce.notifications import inapp, preferences, push_sender, sms_sender
from commerce.notifications import tasks as notification_tasks
from tests.domain.analytics.support import buy


class RecordingPush:
    def __init__(self):
        self.sent = []

    def send(self, user_id, title, body, url):
        self.sent.append((user_id, title, url))


class RecordingSms:
    def __init__(self):
        self.sent = []

    def send(self, phone, text):
        self.sent.append((phone, text))


@pytest.fixture
def devices(world, monkeypatch):
    """Push and SMS jobs scheduled "after commit" do their work when `sell` returns, in this
    test's transaction, sending to recorders."""
    push, sms = RecordingPush(), RecordingSms()
    scheduled = []
    monkeypatch.setattr(inapp, "enqueue_after_commit", lambda s, fn, **kwargs: scheduled.append((fn, kwargs)))
    work = {
        notification_tasks.send_push: notification_tasks.deliver_push,
        notification_tasks.send_sms: notification_tasks.deliver_sms,
    }

    def sell(product):
        buy(world, world.user(), [product], currency="USD")
        while scheduled:
            job, kwargs = scheduled.pop(0)
            work[job](world.s, **kwargs)

    with push_sender.replaced(push), sms_sender.replaced(sms):
        yield push, sms, sell


def test_a_sale_reaches_push_and_sms_only_after_the_seller_switches_them_on(world, devices):
    push, sms, sell = devices
    shop = world.shop("USD")
    seller = world.seller_actor(shop)
    sell(world.product(shop, 1500, title="Pixel Icons"))
    assert push.sent == []
    assert sms.sent == []

    preferences.set_notification_preference(world.s, seller, kind="sale_alert", channel="push", enabled=True)
    preferences.set_notification_preference(world.s, seller, kind="sale_alert", channel="sms", enabled=True)
    sell(world.product(shop, 900, title="Brushes"))
    [(user_id, title, url)] = push.sent
    assert (user_id, title) == (shop.owner_id, "New sale: Brushes")
    assert url.startswith("http")  # a device opens it from outside the site
    assert sms.sent == []  # switched on, but there is no number to text

    preferences.set_sms_number(world.s, seller, number="+44 7700 900123")
    sell(world.product(shop, 700, title="Fonts"))
    assert [phone for phone, _ in sms.sent] == ["+447700900123"]
    assert "New sale: Fonts" in sms.sent[0][1]


def test_a_retried_job_sends_once_and_a_late_switch_off_wins(world, devices):
    push, _, _ = devices
    shop = world.shop("USD")
    seller = world.seller_actor(shop)
    preferences.set_notification_preference(world.s, seller, kind="sale_alert", channel="push", enabled=True)
    for _ in range(2):
        notification_tasks.deliver_push(
            world.s,
            user_id=shop.owner_id,
            kind="sale_alert",
            title="New sale",
            body="",
            url="/seller/analytics",
            idempotency_key="sale:ORD-1",
        )
    assert len(push.sent) == 1

    preferences.set_notification_preference(world.s, seller, kind="sale_alert", channel="push", enabled=False)
    notification_tasks.deliver_push(
        world.s,
        user_id=shop.owner_id,
        kind="sale_alert",
        title="New sale",
        body="",
        url="/seller/analytics",
        idempotency_key="sale:ORD-2",
    )
    assert len(push.sent) == 1


@pytest.mark.parametrize("number", ["07700 900123", "+0 123", "+1234567", "+44 7700 900123 4567 8", "call me"])
def test_sms_numbers_need_a_country_code_and_a_plausible_length(world, number):
    actor = world.seller_actor(world.shop())
    with pytest.raises(ValidationError):
        preferences.set_sms_number(world.s, actor, number=number)
    assert preferences.get_preferences(world.s, actor).sms_number == ""


def test_an_empty_number_removes_it(world):
    actor = world.seller_actor(world.shop())
    assert preferences.set_sms_number(world.s, actor, number="+1 (415) 555-0100").sms_number == "+14155550100"
    assert preferences.set_sms_number(world.s, actor, number=" ").sms_number == ""
