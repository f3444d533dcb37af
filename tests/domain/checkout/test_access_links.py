"""The receipt's "Access your purchase" link: one click signs the buyer in and opens the purchase,
once, for a short while, for the order's own address, never after a refund, and never by guessing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from commerce import accounts
from commerce.accounts.claims import password_is_set, set_first_password
from commerce.actor import Actor
from commerce.delivery.access import redeem_access_link
from commerce.errors import Conflict, PermissionDenied, RateLimited
from commerce.kit.time import utcnow
from commerce.links import LIBRARY_PATH, library_product_url
from commerce.models import NO_PASSWORD, Order, OrderAccessLink, User, UserRole, WebhookOutcome
from commerce.orders import refunds
from commerce.orders.access import (
    MAX_ATTEMPTS_PER_CLIENT,
    MAX_RESENDS_PER_ORDER,
    AccessLinkRefused,
    Refusal,
    check_access_link,
    resend_access_link,
)
from commerce.orders.webhooks import handle_event
from tests.fixtures.adapters import emails_in

CLIENT = "203.0.113.9"


def guest_buys(world, *products, email="guest@example.com") -> Order:
    result = world.checkout(Actor.anonymous(), list(products), currency="USD", email=email)
    _, event = world.pay(result.order_reference)
    assert handle_event(world.s, event) == WebhookOutcome.PROCESSED
    world.s.commit()  # the receipt goes out after the commit
    return world.s.exec(select(Order).where(Order.reference == result.order_reference)).one()


def access_tokens(outbox, to: str) -> list[str]:
    """The access-link tokens emailed to `to`, oldest first."""
    return [
        match
        for sent in emails_in(outbox)
        if sent.to == to
        for match in re.findall(r"https?://\S+/access/([A-Za-z0-9_\-%]+)", sent.text)
    ]


@pytest.fixture
def bought(world, outbox):
    product = world.product(world.shop(), 1200)
    order = guest_buys(world, product)
    (token,) = access_tokens(outbox, "guest@example.com")
    return dict(order=order, product=product, token=token)


def test_the_receipt_link_signs_the_guest_in_and_lands_on_the_product_in_the_library(world, outbox, bought):
    receipt = next(sent for sent in emails_in(outbox) if sent.subject.startswith("Your receipt"))
    assert "Access your purchase" in receipt.text

    granted = redeem_access_link(world.s, bought["token"], client_id=CLIENT)

    assert granted.landing_path == library_product_url(bought["product"].id)
    resumed = accounts.resume_session(world.s, granted.session.token)
    assert resumed is not None
    assert resumed.user.id == bought["order"].buyer_id
    # The same session a password sign-in gives: a role, a token the cookie keeps, an expiry.
    assert granted.session.user.role == UserRole.BUYER
    assert granted.session.expires_at > utcnow() + timedelta(days=1)
    # No password was needed, and none was set: that step is optional.
    assert not password_is_set(world.s, granted.session.actor)


def test_a_link_works_once(world, bought):
    redeem_access_link(world.s, bought["token"], client_id=CLIENT)
    with pytest.raises(AccessLinkRefused, match="already been used") as refused:
        redeem_access_link(world.s, bought["token"], client_id=CLIENT)
    assert refused.value.reason == Refusal.USED


def test_a_link_is_short_lived(world, bought):
    link = world.s.exec(select(OrderAccessLink)).one()
    assert link.expires_at - link.created_at <= timedelta(hours=1)
    link.expires_at = utcnow() - timedelta(seconds=1)
    world.s.add(link)
    world.s.flush()
    with pytest.raises(AccessLinkRefused, match="expired") as refused:
        redeem_access_link(world.s, bought["token"], client_id=CLIENT)
    assert refused.value.reason == Refusal.EXPIRED


def test_a_refunded_order_gives_no_access_through_its_link(world, bought):
    refunds.refund(world.s, world.admin_actor(), world.gateway, bought["order"].reference, reason="asked")
    world.s.commit()
    with pytest.raises(AccessLinkRefused, match="refunded") as refused:
        redeem_access_link(world.s, bought["token"], client_id=CLIENT)
    assert refused.value.reason == Refusal.REFUNDED
    # Nor can a new link be asked for.
    with pytest.raises(AccessLinkRefused, match="refunded"):
        resend_access_link(world.s, bought["token"], client_id=CLIENT)


def test_a_link_is_bound_to_the_address_it_was_sent_to(world, bought):
    buyer = world.s.get(User, bought["order"].buyer_id)
    buyer.email = "someone-else@example.com"
    world.s.add(buyer)
    world.s.flush()
    with pytest.raises(PermissionDenied, match="no longer uses"):
        redeem_access_link(world.s, bought["token"], client_id=CLIENT)


def test_guessing_links_is_rate_limited_per_client_even_for_a_valid_link(world, bought):
    for n in range(MAX_ATTEMPTS_PER_CLIENT):
        with pytest.raises(AccessLinkRefused, match="not valid"):
            redeem_access_link(world.s, f"guess-{n}", client_id=CLIENT)
    with pytest.raises(RateLimited, match="Too many failed attempts"):
        redeem_access_link(world.s, bought["token"], client_id=CLIENT)
    with pytest.raises(RateLimited, match="Too many failed attempts"):
        check_access_link(world.s, bought["token"], client_id=CLIENT)
    # Another client is not held back, and the link was not spent by the refusals.
    assert redeem_access_link(world.s, bought["token"], client_id="198.51.100.7").order_reference


def test_a_claim_signs_no_other_session_out(world, outbox, bought):
    first = redeem_access_link(world.s, bought["token"], client_id=CLIENT)
    resend_access_link(world.s, bought["token"], client_id=CLIENT)
    world.s.commit()
    newest = access_tokens(outbox, "guest@example.com")[-1]
    second = redeem_access_link(world.s, newest, client_id=CLIENT)
    assert second.session.token != first.session.token
    assert accounts.resume_session(world.s, first.session.token) is not None
    assert accounts.resume_session(world.s, second.session.token) is not None


def test_a_buyer_with_a_password_keeps_their_other_sessions(world, outbox):
    buyer = world.user(email="member@example.com")
    buyer.password_hash = accounts.passwords.hash_password("a long enough password")
    world.s.add(buyer)
    world.s.flush()
    elsewhere = accounts.login(world.s, email=buyer.email, password="a long enough password", client_id="x")
    guest_buys(world, world.product(world.shop(), 500), email=buyer.email)
    (token,) = access_tokens(outbox, buyer.email)
    redeem_access_link(world.s, token, client_id=CLIENT)
    assert accounts.resume_session(world.s, elsewhere.token) is not None


def test_an_order_of_several_products_lands_in_the_library(world, outbox):
    shop = world.shop()
    guest_buys(world, world.product(shop, 500), world.product(shop, 700), email="two@example.com")
    (token,) = access_tokens(outbox, "two@example.com")
    assert redeem_access_link(world.s, token, client_id=CLIENT).landing_path == LIBRARY_PATH


def test_administrators_are_not_signed_in_by_an_emailed_link(world, outbox):
    admin = world.user(UserRole.ADMIN, email="boss@example.com")
    guest_buys(world, world.product(world.shop(), 500), email=admin.email)
    (token,) = access_tokens(outbox, admin.email)
    with pytest.raises(PermissionDenied, match="Administrators sign in with their password"):
        redeem_access_link(world.s, token, client_id=CLIENT)


def test_a_new_link_goes_only_to_the_orders_address_and_only_a_few_times(world, outbox, bought):
    redeem_access_link(world.s, bought["token"], client_id=CLIENT)
    assert resend_access_link(world.s, bought["token"], client_id="c1") == "g•••@example.com"
    world.s.commit()
    assert len(access_tokens(outbox, "guest@example.com")) == 2
    for n in range(MAX_RESENDS_PER_ORDER - 1):
        resend_access_link(world.s, bought["token"], client_id=f"c{n + 2}")
    with pytest.raises(RateLimited, match="sent a few times"):
        resend_access_link(world.s, bought["token"], client_id="c9")


def test_setting_a_password_is_optional_and_signs_nobody_out(world, bought):
    granted = redeem_access_link(world.s, bought["token"], client_id=CLIENT)
    actor = granted.session.actor
    assert world.s.get(User, actor.user_id).password_hash == NO_PASSWORD
    set_first_password(world.s, actor, new_password="my brand new password")
    assert password_is_set(world.s, actor)
    assert accounts.resume_session(world.s, granted.session.token) is not None
    assert accounts.login(world.s, email="guest@example.com", password="my brand new password", client_id="y")
    with pytest.raises(Conflict, match="already has a password"):
        set_first_password(world.s, actor, new_password="another new password")


def test_opening_a_good_link_again_and_again_is_not_counted_as_guessing(world, bought):
    for _ in range(MAX_ATTEMPTS_PER_CLIENT + 2):
        assert check_access_link(world.s, bought["token"], client_id=CLIENT) == bought["order"].reference
    assert redeem_access_link(world.s, bought["token"], client_id=CLIENT).order_reference
