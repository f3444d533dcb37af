"""API keys: created for the seller's own shop and shown once, stored hashed, scoped, revoked
and expired keys refused, and the caller a key stands for never more than its shop's seller."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select

from commerce.accounts import step_up
from commerce.api import idempotency, keys
from commerce.api.idempotency import Claim
from commerce.api.scopes import Access, Resource
from commerce.db import unit_of_work
from commerce.errors import NotFound, PermissionDenied, ValidationError
from commerce.kit.time import utcnow
from commerce.models import ApiIdempotentRequest, ApiKey, UserRole
from tests.fixtures.catalog import make_seller
from tests.fixtures.databases import run_together
from tests.fixtures.second_factor import seller_with_authenticator_app


def test_a_key_is_shown_once_and_stored_only_as_a_hash(s):
    seller = make_seller(s)
    created = keys.create_api_key(s, seller, name="  accounting  export ", scopes=["orders:read", "products:write"])
    assert created.secret.startswith(created.key.prefix + "_")
    assert created.key.name == "accounting export"
    assert created.key.scopes == ["products:write", "orders:read"]
    row = s.get(ApiKey, created.key.id)
    assert created.secret not in (row.secret_hash, row.prefix, row.scopes)
    assert row.secret_hash == keys.secret_hash(created.secret)
    listed = keys.list_api_keys(s, seller)
    assert [key.prefix for key in listed] == [created.key.prefix]
    assert not hasattr(listed[0], "secret")


def test_a_key_acts_as_its_shop_with_its_scopes(s):
    seller = make_seller(s)
    secret = keys.create_api_key(s, seller, name="ci", scopes="products:write customers:read").secret
    caller = keys.authenticate(s, secret)
    assert caller.actor == replace(seller, api_key_id=caller.key_id)  # the shop's seller, through this key
    assert caller.require(Resource.PRODUCTS, Access.READ) == caller.actor  # write includes read
    caller.require(Resource.CUSTOMERS, Access.READ)
    with pytest.raises(keys.MissingScope):
        caller.require(Resource.ORDERS, Access.READ)
    assert s.get(ApiKey, caller.key_id).last_used_at is not None


def test_an_admins_shop_key_acts_as_a_seller_only(s):
    seller = make_seller(s)
    admin_owner = seller.__class__(user_id=seller.user_id, role=UserRole.ADMIN, shop_id=seller.shop_id)
    secret = keys.create_api_key(s, admin_owner, name="ci", scopes=["orders:write"]).secret
    assert keys.authenticate(s, secret).actor.role == UserRole.SELLER


def test_revoked_expired_and_unknown_keys_are_refused(s):
    seller = make_seller(s)
    revoked = keys.create_api_key(s, seller, name="old", scopes=["products:read"])
    keys.revoke_api_key(s, seller, revoked.key.id)
    expiring = keys.create_api_key(s, seller, name="week", scopes=["products:read"], expires_in_days=7)
    assert expiring.key.expires_at is not None
    s.get(ApiKey, expiring.key.id).expires_at = utcnow() - timedelta(seconds=1)
    s.flush()
    for secret in (revoked.secret, expiring.secret, revoked.secret[:-1] + "x", "", None, "Bearer x"):
        with pytest.raises(keys.InvalidApiKey):
            keys.authenticate(s, secret)
    assert [key.active for key in keys.list_api_keys(s, seller)] == [False, False]


def test_a_seller_manages_only_their_own_keys(s):
    mine, theirs = make_seller(s, "mine"), make_seller(s, "theirs")
    created = keys.create_api_key(s, theirs, name="theirs", scopes=["products:read"])
    with pytest.raises(NotFound):
        keys.revoke_api_key(s, mine, created.key.id)
    assert keys.list_api_keys(s, mine) == []
    assert keys.authenticate(s, created.secret).shop_id == theirs.shop_id


@pytest.mark.parametrize(
    ("name", "scopes", "days", "field"),
    [
        ("", ["products:read"], None, "name"),
        ("x" * 81, ["products:read"], None, "name"),
        ("ok", [], None, "scopes"),
        ("ok", ["products:delete"], None, "scopes"),
        ("ok", ["customers:write"], None, "scopes"),
        ("ok", ["products:read"], 3, "expires_in_days"),
        ("bad\x00name", ["products:read"], None, "name"),
    ],
)
def test_bad_input_creates_nothing(s, name, scopes, days, field):
    seller = make_seller(s)
    with pytest.raises(ValidationError) as refused:
        keys.create_api_key(s, seller, name=name, scopes=scopes, expires_in_days=days)
    assert refused.value.field == field
    assert keys.list_api_keys(s, seller) == []


def test_buyers_cannot_create_keys(s, world):
    buyer = world.buyer_actor(world.user())
    with pytest.raises(PermissionDenied):
        keys.create_api_key(s, buyer, name="x", scopes=["products:read"])


def test_an_idempotency_key_answers_the_first_answer_and_refuses_another_request(s):
    seller = make_seller(s)
    key_id = keys.authenticate(s, keys.create_api_key(s, seller, name="ci", scopes=["products:write"]).secret).key_id
    first = idempotency.request_fingerprint("POST", "/products", b'{"title": "A"}')
    other = idempotency.request_fingerprint("POST", "/products", b'{"title": "B"}')
    assert idempotency.claim(s, key_id, "k1", first).outcome == Claim.NEW
    assert idempotency.claim(s, key_id, "k1", first).outcome == Claim.IN_PROGRESS
    idempotency.finish(s, key_id, "k1", status=201, content_type="application/json", body='{"id": 7}')
    replay = idempotency.claim(s, key_id, "k1", first)
    assert (replay.outcome, replay.status, replay.body) == (Claim.REPLAY, 201, '{"id": 7}')
    assert idempotency.claim(s, key_id, "k1", other).outcome == Claim.MISMATCH
    assert idempotency.claim(s, key_id, "k2", first).outcome == Claim.NEW
    idempotency.release(s, key_id, "k2")  # a server error gives the key back
    assert idempotency.claim(s, key_id, "k2", first).outcome == Claim.NEW
    with pytest.raises(ValidationError):
        idempotency.claim(s, key_id, "bad\nkey", first)


def test_answers_are_kept_a_day_and_an_abandoned_claim_is_taken_over(s):
    seller = make_seller(s)
    key_id = keys.authenticate(s, keys.create_api_key(s, seller, name="ci", scopes=["products:write"]).secret).key_id
    fingerprint = idempotency.request_fingerprint("POST", "/products", b"{}")
    assert idempotency.claim(s, key_id, "old", fingerprint).outcome == Claim.NEW
    idempotency.finish(s, key_id, "old", status=201, content_type="application/json", body="{}")
    assert idempotency.claim(s, key_id, "stuck", fingerprint).outcome == Claim.NEW
    rows = {row.key: row for row in s.exec(select(ApiIdempotentRequest)).all()}
    rows["old"].created_at = utcnow() - idempotency.KEPT_FOR - timedelta(minutes=1)
    rows["stuck"].created_at = utcnow() - idempotency.ABANDONED_AFTER - timedelta(minutes=1)
    s.flush()
    assert idempotency.claim(s, key_id, "stuck", fingerprint).outcome == Claim.NEW
    assert idempotency.claim(s, key_id, "old", fingerprint).outcome == Claim.NEW  # forgotten after a day


def test_parallel_requests_with_one_idempotency_key_run_once(committed_postgres):
    with unit_of_work() as s:
        seller = make_seller(s, "racer")
        secret = keys.create_api_key(s, seller, name="ci", scopes=["orders:write"]).secret
        key_id = keys.authenticate(s, secret).key_id
    fingerprint = idempotency.request_fingerprint("POST", "/orders/ORD-1/refunds", b"{}")

    def claim(_):
        with unit_of_work() as s:
            return idempotency.claim(s, key_id, "same", fingerprint).outcome

    outcomes = run_together(claim, range(6))
    assert sorted(outcomes) == sorted([Claim.NEW] + [Claim.IN_PROGRESS] * 5)


def test_an_owner_with_a_second_factor_confirms_it_before_creating_a_key(s):
    """A stolen session alone cannot mint a key that outlives it; revoking never asks."""
    owner = seller_with_authenticator_app(s)
    with pytest.raises(step_up.StepUpRequired):
        keys.create_api_key(s, owner.actor, name="ci", scopes=["products:read"])
    assert s.exec(select(ApiKey)).all() == []
    owner.step_up(s)
    created = keys.create_api_key(s, owner.actor, name="ci", scopes=["products:read"])
    owner.let_step_up_lapse(s)
    assert keys.revoke_api_key(s, owner.actor, created.key.id).revoked_at is not None
