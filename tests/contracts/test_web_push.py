"""Web Push against a local push endpoint: the message arrives encrypted to the browser's
keys (decrypted here with them), signed with the app's VAPID key, and a subscription the
push service no longer knows is deleted. Requests to the platform's network are refused."""

import base64
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlmodel import select

from commerce.config import get_settings
from commerce.models import PushSubscription
from commerce.notifications import DeliveryFailed, PushGone, PushMessage, PushTarget, preferences, push, push_sender
from commerce.notifications import tasks as notification_tasks
from commerce.notifications.webpush import WebPushSender
from commerce.wiring import _push_sender
from tests.fixtures.analytics import buy
from tests.fixtures.push import FakeBrowser, b64url


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sender(allow_loopback=True) -> WebPushSender:
    settings = get_settings()
    return WebPushSender(settings.vapid_private_key, "mailto:ops@shop.test", timeout=2, allow_loopback=allow_loopback)


def verified_vapid(request, endpoint_origin: str) -> dict:
    """The VAPID JWT's claims, if its ES256 signature checks out with the key it names,
    and that key is the app's public key."""
    scheme, _, params = request.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.split("=", 1) for part in params.split(","))
    assert fields["k"] == push.public_key(get_settings().vapid_private_key)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64decode(fields["k"]))
    return jwt.decode(fields["t"], key=key, algorithms=["ES256"], audience=endpoint_origin)


@pytest.fixture
def push_service(receiver):
    """The local endpoint, answering 201 Created as push services do (RFC 8030) unless scripted."""
    receiver.script(*[201] * 10)
    return receiver


def test_a_message_arrives_encrypted_to_the_browser_and_signed_with_vapid(push_service):
    receiver = push_service
    browser = FakeBrowser()
    target = PushTarget(receiver.url, browser.p256dh, b64url(browser.auth))
    sender().send(target, PushMessage("New sale: Brushes", "$9.00", "https://shop.test/seller/analytics"))

    [request] = receiver.requests
    assert request.headers["content-encoding"] == "aes128gcm"
    assert int(request.headers["ttl"]) > 0
    assert b"Brushes" not in request.body  # encrypted on the wire
    assert browser.decrypt(request.body) == {
        "title": "New sale: Brushes",
        "body": "$9.00",
        "url": "https://shop.test/seller/analytics",
    }
    claims = verified_vapid(request, f"http://127.0.0.1:{receiver.port}")
    assert claims["sub"] == "mailto:ops@shop.test"
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600

    # Another browser's keys cannot read it.
    with pytest.raises(Exception):  # noqa: B017, PT011 - http_ece fails in its own way per engine
        FakeBrowser().decrypt(request.body)


@pytest.mark.parametrize(
    ("status", "error"), [(404, PushGone), (410, PushGone), (500, DeliveryFailed), (429, DeliveryFailed)]
)
def test_the_push_services_answers(receiver, status, error):
    receiver.script(status)
    browser = FakeBrowser()
    with pytest.raises(error):
        sender().send(PushTarget(receiver.url, browser.p256dh, b64url(browser.auth)), PushMessage("t", "b", "u"))


def test_loopback_push_services_are_refused_outside_development(receiver):
    browser = FakeBrowser()
    with pytest.raises(DeliveryFailed, match="loopback"):
        sender(allow_loopback=False).send(
            PushTarget(receiver.url, browser.p256dh, b64url(browser.auth)), PushMessage("t", "b", "u")
        )
    assert receiver.requests == []


def test_wiring_sends_web_push_with_the_configured_key():
    assert isinstance(_push_sender(get_settings()), WebPushSender)


def test_a_sale_reaches_the_sellers_browser_and_a_gone_subscription_is_deleted(world, web_push_on, receiver):
    receiver.script(201)
    shop = world.shop("USD")
    seller = world.seller_actor(shop)
    browser = FakeBrowser()
    push.subscribe(world.s, seller, subscription=browser.subscription(receiver.url), device="Firefox on Linux")
    preferences.set_notification_preference(world.s, seller, kind="sale_alert", channel="push", enabled=True)

    with push_sender.replaced(sender()):
        buy(world, world.user(), [world.product(shop, 900, title="Brushes")], currency="USD")
        world.s.commit()
        [request] = receiver.requests
        message = browser.decrypt(request.body)
        assert message["title"] == "New sale: Brushes"
        assert message["url"].startswith("http")

        receiver.script(410)  # the seller unsubscribed in the browser
        buy(world, world.user(), [world.product(shop, 700, title="Fonts")], currency="USD")
        world.s.commit()
    assert len(receiver.requests) == 2
    assert world.s.exec(select(PushSubscription)).all() == []
    assert push.push_status(world.s, seller).devices == []


def test_a_failing_push_service_is_retried_by_the_job(world, web_push_on, receiver, jobs):
    shop = world.shop("USD")
    seller = world.seller_actor(shop)
    browser = FakeBrowser()
    push.subscribe(world.s, seller, subscription=browser.subscription(receiver.url))
    world.s.commit()
    [device_id] = push.targets(world.s, seller.user_id)
    receiver.script(503)
    with push_sender.replaced(sender()), pytest.raises(DeliveryFailed):
        notification_tasks.deliver_to_device(
            world.s, subscription_id=device_id, title="New sale", body="", url="https://shop.test/", idempotency_key="k"
        )
    assert world.s.get(PushSubscription, device_id) is not None  # kept for the retry
