"""Changing an account's email address, and where security activity says it happened
(SQLite and PostgreSQL)."""

import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlmodel import select

from commerce import accounts
from commerce.accounts import activity, step_up, two_factor
from commerce.accounts.activity import Client
from commerce.accounts.email_change import confirm_email_change, request_email_change
from commerce.errors import ValidationError
from commerce.kit.time import utcnow
from commerce.models import AuthSession, EmailChangeToken, User
from commerce.privacy.erasure import erase_account
from tests.fixtures.adapters import emails_in

PASSWORD = "correct horse battery"
# 81.2.69.160 is a British address in MaxMind's test data and in the bundled table.
CLIENT = Client(ip="81.2.69.160", user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0")


def signed_in(s, email="ada@example.com", name="Ada"):
    grant = accounts.create_account(s, email=email, password=PASSWORD, display_name=name, client_id="1.1.1.1")
    return accounts.socket_session(s, grant.token).actor


def mail(s, outbox):
    """The emails sent so far (they go out when the unit of work commits)."""
    s.commit()
    return emails_in(outbox)


def link_token(s, outbox, to: str) -> str:
    [message] = [m for m in mail(s, outbox) if m.to == to and "Confirm your new email" in m.subject]
    return re.search(r"/account/email/([\w-]+)", message.text).group(1)


def test_the_email_changes_only_when_the_new_address_opens_its_link(s, outbox):
    actor = signed_in(s)
    asked = request_email_change(s, actor, new_email=" Ada.New@Example.com ", current_password=PASSWORD)
    assert asked.new_email == "ada.new@example.com"
    assert s.get(User, actor.user_id).email == "ada@example.com"  # nothing changed yet

    changed = confirm_email_change(s, token=link_token(s, outbox, "ada.new@example.com"), client=CLIENT)
    assert changed.new_email == "ada.new@example.com"
    s.expire_all()
    assert s.get(User, actor.user_id).email == "ada.new@example.com"
    # The old address is told, with the new one masked.
    [notice] = [m for m in mail(s, outbox) if m.to == "ada@example.com" and "was changed" in m.subject]
    assert "a•••@example.com" in notice.text
    assert "ada.new@example.com" not in notice.text
    # Sign-in uses the new address; the old one no longer opens the account.
    assert accounts.login(s, email="ada.new@example.com", password=PASSWORD, client_id="2.2.2.2")
    with pytest.raises(ValidationError):
        accounts.login(s, email="ada@example.com", password=PASSWORD, client_id="2.2.2.2")
    # The owner sees it in their security activity, with the country of the address.
    [event] = [row for row in activity.recent_activity(s, actor) if row.kind == "email_changed"]
    assert event.place == "United Kingdom"


def test_each_link_works_once_and_expires(s, outbox):
    actor = signed_in(s)
    request_email_change(s, actor, new_email="new@example.com", current_password=PASSWORD)
    token = link_token(s, outbox, "new@example.com")
    confirm_email_change(s, token=token)
    with pytest.raises(ValidationError, match="invalid, has expired or was used"):
        confirm_email_change(s, token=token)

    request_email_change(s, actor, new_email="third@example.com", current_password=PASSWORD)
    row = s.exec(select(EmailChangeToken).where(EmailChangeToken.new_email == "third@example.com")).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    s.add(row)
    s.flush()
    with pytest.raises(ValidationError, match="invalid, has expired or was used"):
        confirm_email_change(s, token=link_token(s, outbox, "third@example.com"))
    s.expire_all()
    assert s.get(User, actor.user_id).email == "new@example.com"
    for forged in ("", "x" * 500, "not-a-token", None):
        with pytest.raises(ValidationError):
            confirm_email_change(s, token=forged)


def test_a_newer_request_replaces_the_earlier_link(s, outbox):
    actor = signed_in(s)
    request_email_change(s, actor, new_email="first@example.com", current_password=PASSWORD)
    first = link_token(s, outbox, "first@example.com")
    request_email_change(s, actor, new_email="second@example.com", current_password=PASSWORD)
    with pytest.raises(ValidationError):
        confirm_email_change(s, token=first)
    confirm_email_change(s, token=link_token(s, outbox, "second@example.com"))
    s.expire_all()
    assert s.get(User, actor.user_id).email == "second@example.com"


def test_the_answer_does_not_reveal_that_the_new_address_has_an_account(s, outbox):
    signed_in(s, email="taken@example.com", name="Grace")
    actor = signed_in(s)
    asked = request_email_change(s, actor, new_email="taken@example.com", current_password=PASSWORD)
    assert asked.new_email == "taken@example.com"  # the same answer as for a free address
    # Its owner gets a note, not a link; the asker's account is unchanged.
    [note] = [m for m in mail(s, outbox) if m.to == "taken@example.com"]
    assert "already has an account" in note.text
    assert "/account/email/" not in note.text
    assert s.get(User, actor.user_id).email == "ada@example.com"


def test_an_address_taken_between_the_request_and_the_link_is_refused(s, outbox):
    actor = signed_in(s)
    request_email_change(s, actor, new_email="late@example.com", current_password=PASSWORD)
    signed_in(s, email="late@example.com", name="Late")
    with pytest.raises(ValidationError, match="exists already"):
        confirm_email_change(s, token=link_token(s, outbox, "late@example.com"))
    s.expire_all()
    assert s.get(User, actor.user_id).email == "ada@example.com"


def test_bad_requests_change_nothing_and_send_nothing(s, outbox):
    actor = signed_in(s)
    with pytest.raises(ValidationError) as wrong:
        request_email_change(s, actor, new_email="new@example.com", current_password="wrong password")
    assert wrong.value.field == "current_password"
    with pytest.raises(ValidationError) as same:
        request_email_change(s, actor, new_email="ADA@example.com", current_password=PASSWORD)
    assert same.value.field == "email"
    with pytest.raises(ValidationError) as invalid:
        request_email_change(s, actor, new_email="not an address", current_password=PASSWORD)
    assert invalid.value.field == "email"
    assert s.exec(select(EmailChangeToken)).all() == []
    assert [m for m in mail(s, outbox) if "email" in m.subject.lower() and "new" in m.subject.lower()] == []


def test_an_account_with_a_second_factor_must_have_given_it_recently(s, outbox):
    actor = signed_in(s)
    setup = two_factor.start_totp(s, actor)
    two_factor.confirm_totp(s, actor, code=pyotp.TOTP(setup.secret).now())
    session = s.exec(select(AuthSession).where(AuthSession.family_id == actor.session_id)).one()
    session.second_factor_at = utcnow() - timedelta(minutes=11)
    s.add(session)
    s.flush()
    with pytest.raises(step_up.StepUpRequired):
        request_email_change(s, actor, new_email="new@example.com", current_password=PASSWORD)
    assert s.exec(select(EmailChangeToken)).all() == []
    step_up.confirm_with_code(s, actor, code=pyotp.TOTP(setup.secret).at(time.time() + 30))
    request_email_change(s, actor, new_email="new@example.com", current_password=PASSWORD)
    assert link_token(s, outbox, "new@example.com")


def test_erasure_removes_a_pending_change(s, outbox):
    actor = signed_in(s)
    request_email_change(s, actor, new_email="pending@example.com", current_password=PASSWORD)
    token = link_token(s, outbox, "pending@example.com")
    erase_account(s, actor, password=PASSWORD)
    assert s.exec(select(EmailChangeToken)).all() == []
    with pytest.raises(ValidationError):
        confirm_email_change(s, token=token)


def test_security_activity_and_sessions_show_the_country_of_public_addresses_only(s):
    actor = signed_in(s)
    activity.record(s, actor.user_id, activity.SecurityEventKind.SIGN_IN_FAILED, CLIENT)
    activity.record(s, actor.user_id, activity.SecurityEventKind.SIGN_IN_FAILED, Client(ip="10.0.0.8"))
    places = [row.place for row in activity.recent_activity(s, actor) if row.kind == "sign_in_failed"]
    assert sorted(places) == ["", "United Kingdom"]
