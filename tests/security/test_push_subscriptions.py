"""Push subscriptions come from the browser, so from anyone: an address on the platform's
network, keys that are not keys, or another person's device id are refused."""

import json

import pytest
from sqlmodel import select

from commerce import flags
from commerce.errors import NotFound, ValidationError
from commerce.flags import service as flag_service
from commerce.models import NO_PASSWORD, FeatureFlagAccount, PushSubscription
from commerce.notifications import push
from commerce.privacy import erasure
from tests.fixtures.push import FakeBrowser


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example.net/plain-http",
        "https://127.0.0.1/loopback",
        "https://localhost/loopback",
        "https://10.0.0.8/private",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/loopback",
        "ftp://push.example.net/x",
        "https://user:pass@push.example.net/x",
    ],
)
def test_push_services_on_the_platforms_network_are_refused(world, web_push_on, endpoint):
    seller = world.seller_actor(world.shop())
    with pytest.raises(ValidationError):
        push.subscribe(world.s, seller, subscription=FakeBrowser().subscription(endpoint))
    assert world.s.exec(select(PushSubscription)).all() == []


@pytest.mark.parametrize(
    "keys",
    [
        {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"},
        {"p256dh": "B" * 87, "auth": "short"},
        {"p256dh": "B" * 87, "auth": "AAAAAAAAAAAAAAAAAAAAAA"},  # 65 bytes, but not a point of P-256
        {"auth": "AAAAAAAAAAAAAAAAAAAAAA"},
        "not an object",
    ],
)
def test_keys_that_are_not_a_browsers_are_refused(world, web_push_on, keys):
    seller = world.seller_actor(world.shop())
    subscription = json.dumps({"endpoint": "https://push.example.net/x", "keys": keys})
    with pytest.raises(ValidationError):
        push.subscribe(world.s, seller, subscription=subscription)


def test_nobody_removes_another_persons_device(world, web_push_on):
    owner, other = world.seller_actor(world.shop()), world.seller_actor(world.shop())
    push.subscribe(world.s, owner, subscription=FakeBrowser().subscription("https://push.example.net/owner"))
    [device_id] = push.targets(world.s, owner.user_id)
    with pytest.raises(NotFound):
        push.remove_device(world.s, other, device_id)
    assert push.targets(world.s, owner.user_id) == [device_id]
    assert push.remove_device(world.s, owner, device_id).devices == []


def test_a_browser_moves_to_the_account_signed_in_on_it(world, web_push_on):
    first, second = world.seller_actor(world.shop()), world.seller_actor(world.shop())
    browser = FakeBrowser()
    push.subscribe(world.s, first, subscription=browser.subscription("https://push.example.net/shared"))
    push.subscribe(world.s, second, subscription=browser.subscription("https://push.example.net/shared"))
    assert push.targets(world.s, first.user_id) == []
    assert len(push.targets(world.s, second.user_id)) == 1


def test_erasing_an_account_forgets_its_browsers_and_its_place_in_flag_lists(world, web_push_on):
    person = world.user()
    actor = world.buyer_actor(person)
    push.subscribe(world.s, actor, subscription=FakeBrowser().subscription("https://push.example.net/erased"))
    flag_service.set_flag(
        world.s, world.admin_actor(), key=flags.WEB_PUSH.key, rollout="accounts", accounts=person.email
    )
    person.password_hash = NO_PASSWORD  # confirmed by typing the word rather than a password
    world.s.add(person)
    erasure.erase_account(world.s, actor, confirmation=erasure.CONFIRMATION_WORD)
    assert world.s.exec(select(PushSubscription)).all() == []
    assert world.s.exec(select(FeatureFlagAccount).where(FeatureFlagAccount.user_id == person.id)).all() == []
