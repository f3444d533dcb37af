"""Accounts on both databases: sign-up, sign-in, sessions, passwords, shops."""

from datetime import timedelta

import pytest
from sqlmodel import select

from commerce import accounts
from commerce.accounts import passwords
from commerce.actor import Actor
from commerce.errors import Conflict, PermissionDenied, RateLimited, ValidationError
from commerce.kit.time import utcnow
from commerce.models import AuthSession, User, UserRole
from tests.fixtures.adapters import emails_in

PASSWORD = "correct horse battery"


def register(s, email="Ada@Example.COM", name="Ada", password=PASSWORD):
    return accounts.create_account(s, email=email, password=password, display_name=name, client_id="1.2.3.4")


def test_register_normalises_email_and_signs_in(s):
    grant = register(s)
    assert grant.user.email == "ada@example.com"
    assert grant.user.role == UserRole.BUYER
    assert accounts.resume_session(s, grant.token).user.id == grant.user.id


def test_register_refuses_the_same_email_in_other_case(s):
    register(s)
    with pytest.raises(Conflict, match="already exists"):
        register(s, email="ADA@example.com")


@pytest.mark.parametrize(
    ("email", "password", "name", "field"),
    [
        ("not-an-email", PASSWORD, "Ada", "email"),
        ("ada@example.com", "short", "Ada", "password"),
        ("ada@example.com", "aaaaaaaaaaaa", "Ada", "password"),
        ("ada@example.com", "x" * 300, "Ada", "password"),
        ("ada@example.com", PASSWORD, "   ", "display_name"),
    ],
)
def test_register_rejects_bad_input_and_creates_nothing(s, email, password, name, field):
    with pytest.raises(ValidationError) as error:
        register(s, email=email, password=password, name=name)
    assert error.value.field == field
    assert s.exec(select(User)).all() == []


def test_passwords_are_stored_as_argon2id(s):
    grant = register(s)
    stored = s.get(User, grant.user.id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_login_with_right_and_wrong_password(s):
    register(s)
    grant = accounts.login(s, email=" ada@EXAMPLE.com ", password=PASSWORD, client_id="9.9.9.9")
    assert grant.user.email == "ada@example.com"
    with pytest.raises(ValidationError, match="incorrect"):
        accounts.login(s, email="ada@example.com", password="wrong password!", client_id="9.9.9.9")
    with pytest.raises(ValidationError, match="incorrect"):
        accounts.login(s, email="nobody@example.com", password=PASSWORD, client_id="9.9.9.9")


def test_login_is_rate_limited_per_account_even_with_the_right_password(s):
    register(s)
    for attempt in range(5):
        with pytest.raises(ValidationError):
            accounts.login(s, email="ada@example.com", password=f"wrong-{attempt}-pass", client_id=f"10.0.0.{attempt}")
    with pytest.raises(RateLimited, match="Too many"):
        accounts.login(s, email="ada@example.com", password=PASSWORD, client_id="10.0.0.99")


def test_login_is_rate_limited_per_client_across_accounts(s):
    for n in range(20):
        with pytest.raises(ValidationError):
            accounts.login(s, email=f"user{n}@example.com", password="whatever-pass", client_id="6.6.6.6")
    register(s)
    with pytest.raises(RateLimited):
        accounts.login(s, email="ada@example.com", password=PASSWORD, client_id="6.6.6.6")
    assert accounts.login(s, email="ada@example.com", password=PASSWORD, client_id="7.7.7.7")


def test_login_rehashes_when_parameters_change(s, monkeypatch):
    grant = register(s)
    user = s.get(User, grant.user.id)
    from argon2 import PasswordHasher

    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    s.add(user)
    s.flush()
    old_hash = user.password_hash
    accounts.login(s, email="ada@example.com", password=PASSWORD, client_id="1.1.1.1")
    assert s.get(User, grant.user.id).password_hash != old_hash
    assert not passwords.needs_rehash(s.get(User, grant.user.id).password_hash)


def test_logout_revokes_the_session(s):
    grant = register(s)
    accounts.logout(s, grant.token)
    assert accounts.resume_session(s, grant.token) is None


def test_unknown_or_expired_tokens_resolve_to_nobody(s):
    grant = register(s)
    assert accounts.resume_session(s, "made-up-token") is None
    assert accounts.resume_session(s, "") is None
    row = s.exec(select(AuthSession)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    s.add(row)
    s.flush()
    assert accounts.resume_session(s, grant.token) is None


def test_tokens_are_stored_hashed(s):
    grant = register(s)
    assert s.exec(select(AuthSession)).one().token_hash != grant.token


def _age_session(s, days: float):
    for row in s.exec(select(AuthSession)).all():
        row.created_at = utcnow() - timedelta(days=days)
        s.add(row)
    s.flush()


def test_old_session_is_refreshed_with_a_new_token(s):
    grant = register(s)
    _age_session(s, 2)
    refreshed = accounts.resume_session(s, grant.token)
    assert refreshed.token != grant.token
    assert accounts.resume_session(s, refreshed.token).token == refreshed.token


def test_replaced_token_reused_after_grace_revokes_the_family(s):
    grant = register(s)
    _age_session(s, 2)
    refreshed = accounts.resume_session(s, grant.token)
    old = s.exec(select(AuthSession).where(AuthSession.replaced_at.is_not(None))).one()
    old.replaced_at = utcnow() - timedelta(minutes=10)
    s.add(old)
    s.flush()
    assert accounts.resume_session(s, grant.token) is None  # a copied token
    assert accounts.resume_session(s, refreshed.token) is None  # so the thief's family dies


def test_suspended_user_cannot_sign_in_and_loses_sessions(s):
    grant = register(s)
    user = s.get(User, grant.user.id)
    user.suspended_at = utcnow()
    s.add(user)
    s.flush()
    assert accounts.resume_session(s, grant.token) is None
    with pytest.raises(PermissionDenied, match="suspended"):
        accounts.login(s, email="ada@example.com", password=PASSWORD, client_id="1.1.1.1")


def test_change_password_needs_the_current_one(s):
    grant = register(s)
    with pytest.raises(ValidationError, match="current password"):
        accounts.change_password(s, grant.actor, current_password="nope-nope-nope", new_password="a new long password")
    accounts.change_password(s, grant.actor, current_password=PASSWORD, new_password="a new long password")
    assert accounts.login(s, email="ada@example.com", password="a new long password", client_id="1.1.1.1")


def test_anonymous_cannot_change_a_password(s):
    with pytest.raises(PermissionDenied):
        accounts.change_password(s, Actor.anonymous(), current_password=PASSWORD, new_password="another password")


def test_password_reset_by_email_link(s, outbox):
    grant = register(s)
    accounts.request_password_reset(s, email="ADA@example.com")
    assert emails_in(outbox) == []  # the email leaves only after commit, as a job
    s.commit()
    [message] = emails_in(outbox)
    assert (message.to, message.subject) == ("ada@example.com", "Reset your Marketplace password")
    token = message.text.split("/reset/")[1].split()[0]
    accounts.reset_password(s, token=token, new_password="brand new password")
    assert accounts.resume_session(s, grant.token) is None  # old sessions are signed out
    assert accounts.login(s, email="ada@example.com", password="brand new password", client_id="1.1.1.1")
    with pytest.raises(ValidationError, match="invalid or has expired"):
        accounts.reset_password(s, token=token, new_password="yet another password")


def test_password_reset_for_unknown_email_is_silent(s, outbox, jobs):
    accounts.request_password_reset(s, email="nobody@example.com")
    accounts.request_password_reset(s, email="not an email")
    s.commit()
    assert jobs.runs == []
    assert emails_in(outbox) == []


def test_rolled_back_reset_request_sends_nothing(s, outbox, jobs):
    register(s)
    nested = s.begin_nested()
    accounts.request_password_reset(s, email="ada@example.com")
    nested.rollback()
    s.commit()  # the account stays; the request inside the savepoint is gone
    assert jobs.runs == []
    assert emails_in(outbox) == []


def test_becoming_a_seller(s):
    grant = register(s)
    user = accounts.create_shop(s, grant.actor, name="Ada's Books", slug="adas-books")
    assert user.role == UserRole.SELLER
    assert user.shop_slug == "adas-books"
    assert accounts.resume_session(s, grant.token).actor.shop_id == user.shop_id
    with pytest.raises(Conflict, match="already have a shop"):
        accounts.create_shop(s, grant.actor, name="Second", slug="second-shop")


def test_a_session_token_names_its_actor_as_the_pages_see_it_without_rotating_it(s):
    grant = register(s)
    seller = accounts.create_shop(s, grant.actor, name="Ada's Books", slug="adas-books")
    actor = accounts.session_actor(s, grant.token)
    assert (actor.user_id, actor.role, actor.shop_id) == (seller.id, UserRole.SELLER, seller.shop_id)
    assert actor.session_id == s.exec(select(AuthSession)).one().family_id
    # An administrator without a second factor acts as a buyer until they set one up.
    user = s.get(User, seller.id)
    user.role = UserRole.ADMIN
    s.flush()
    assert accounts.session_actor(s, grant.token).role == UserRole.BUYER
    assert s.exec(select(AuthSession)).one().replaced_at is None
    accounts.logout(s, grant.token)
    assert accounts.session_actor(s, grant.token) is None
    assert accounts.session_actor(s, "made-up-token") is None
    assert accounts.session_actor(s, "") is None


@pytest.mark.parametrize("slug", ["Ab", "admin", "-dash", "a--b", "with space", "x" * 41, "ünïcode"])
def test_shop_slug_rules(s, slug):
    grant = register(s)
    with pytest.raises(ValidationError):
        accounts.create_shop(s, grant.actor, name="Shop", slug=slug)


def test_shop_slugs_are_unique(s):
    first = register(s)
    accounts.create_shop(s, first.actor, name="Books", slug="books-shop")
    second = register(s, email="grace@example.com", name="Grace")
    with pytest.raises(Conflict, match="taken"):
        accounts.create_shop(s, second.actor, name="Books again", slug="books-shop")


def test_anonymous_cannot_open_a_shop(s):
    with pytest.raises(PermissionDenied):
        accounts.create_shop(s, Actor.anonymous(), name="Shop", slug="some-shop")
