"""Push and SMS: opt-in per kind, sent by jobs that check the person's choice when they run."""

import pytest

from commerce import flags
from commerce.errors import ValidationError
from commerce.flags import service as flag_service
from commerce.notifications import preferences, push, push_sender, sms_sender
from commerce.notifications import tasks as notification_tasks
from tests.fixtures.analytics import buy
from tests.fixtures.push import FakeBrowser


class RecordingPush:
    def __init__(self):
        self.sent = []

    def send(self, target, message):
        self.sent.append((target.endpoint, message.title, message.url))


class RecordingSms:
    def __init__(self):
        self.sent = []

    def send(self, phone, text):
        self.sent.append((phone, text))


def subscribed(world, actor, endpoint="https://push.example.net/wpush/seller"):
    push.subscribe(world.s, actor, subscription=FakeBrowser().subscription(endpoint), device="Firefox")
    return endpoint


@pytest.fixture
def devices(world, web_push_on):
    """Push and SMS sent to recorders; `sell(product)` is a sale whose payment commits, so
    the push and SMS jobs it scheduled have run when it returns."""
    push, sms = RecordingPush(), RecordingSms()

    def sell(product):
        buy(world, world.user(), [product], currency="USD")
        world.s.commit()

    with push_sender.replaced(push), sms_sender.replaced(sms):
        yield push, sms, sell


def test_a_sale_reaches_push_and_sms_only_after_the_seller_switches_them_on(world, devices):
    push, sms, sell = devices
    shop = world.shop("USD")
    seller = world.seller_actor(shop)
    sell(world.product(shop, 1500, title="Pixel Icons"))
    assert push.sent == []
    assert sms.sent == []

    endpoint = subscribed(world, seller)
    preferences.set_notification_preference(world.s, seller, kind="sale_alert", channel="push", enabled=True)
    preferences.set_notification_preference(world.s, seller, kind="sale_alert", channel="sms", enabled=True)
    sell(world.product(shop, 900, title="Brushes"))
    [(pushed_to, title, url)] = push.sent
    assert (pushed_to, title) == (endpoint, "New sale: Brushes")
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
    subscribed(world, seller)
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
        world.s.commit()  # the push to each device is a job after commit
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
    world.s.commit()
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


def test_push_is_offered_only_where_the_web_push_flag_is_on(world):
    shop = world.shop("USD")
    seller = world.seller_actor(shop)
    channels = {row.channel for row in preferences.get_preferences(world.s, seller).notifications}
    assert "push" not in channels
    assert not push.push_status(world.s, seller).available
    with pytest.raises(ValidationError):
        preferences.set_notification_preference(world.s, seller, kind="sale_alert", channel="push", enabled=True)
    with pytest.raises(ValidationError):
        subscribed(world, seller)


def test_turning_the_flag_off_stops_pushes_already_chosen(world, devices):
    push_recorder, _, sell = devices
    shop = world.shop("USD")
    seller = world.seller_actor(shop)
    subscribed(world, seller)
    preferences.set_notification_preference(world.s, seller, kind="sale_alert", channel="push", enabled=True)
    flag_service.set_flag(world.s, world.admin_actor(), key=flags.WEB_PUSH.key, rollout="nobody")
    world.s.commit()
    sell(world.product(shop, 900, title="Brushes"))
    assert push_recorder.sent == []
