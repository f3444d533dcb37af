"""Sign-up and password-reset forms cannot be used to flood someone's inbox: each address
gets a few emails an hour, whoever asks, and the forms answer the same either way."""

from __future__ import annotations

import pytest

from commerce import accounts, ratelimit
from commerce.accounts.registration import SIGNUP_EMAILS_PER_HOUR
from commerce.accounts.service import RESET_EMAILS_PER_HOUR
from tests.fixtures.adapters import emails_in

PASSWORD = "correct horse battery"


@pytest.fixture
def clock():
    now = {"at": 1000.0}
    counter = ratelimit.MemoryAttemptCounter(clock=lambda: now["at"])
    with ratelimit.attempt_counter.replaced(counter):
        yield now


def sign_up(s, email):
    """One form sent (its own transaction: identical emails of one transaction go once)."""
    answer = accounts.register(s, email=email, password="another good password", display_name="X", client_id="5.5.5.5")
    s.commit()
    return answer


def mails_to(outbox, address):
    return [mail for mail in emails_in(outbox) if mail.to == address]


def test_sign_ups_with_a_taken_address_email_its_owner_a_few_times_an_hour(s, outbox, clock):
    accounts.create_account(s, email="ada@example.com", password=PASSWORD, display_name="Ada", client_id="1.1.1.1")
    s.commit()
    answers = {sign_up(s, "ada@example.com") for _ in range(10)}
    s.commit()
    assert answers == {None}  # the same neutral answer every time
    assert len(mails_to(outbox, "ada@example.com")) == SIGNUP_EMAILS_PER_HOUR
    clock["at"] += 3601
    sign_up(s, "ada@example.com")
    s.commit()
    assert len(mails_to(outbox, "ada@example.com")) == SIGNUP_EMAILS_PER_HOUR + 1


def test_sign_ups_with_a_new_address_send_a_few_links_an_hour(s, outbox, clock):
    for _ in range(10):
        sign_up(s, "victim@example.com")
    sign_up(s, "someone.else@example.com")
    s.commit()
    assert len(mails_to(outbox, "victim@example.com")) == SIGNUP_EMAILS_PER_HOUR
    assert len(mails_to(outbox, "someone.else@example.com")) == 1


def test_password_resets_are_limited_per_address_known_or_not(s, outbox, clock):
    accounts.create_account(s, email="ada@example.com", password=PASSWORD, display_name="Ada", client_id="1.1.1.1")
    s.commit()
    for _ in range(10):
        accounts.request_password_reset(s, email="ADA@example.com")
        accounts.request_password_reset(s, email="nobody@example.com")
        s.commit()
    assert len(mails_to(outbox, "ada@example.com")) == RESET_EMAILS_PER_HOUR
    assert mails_to(outbox, "nobody@example.com") == []
    clock["at"] += 3601
    accounts.request_password_reset(s, email="ada@example.com")
    s.commit()
    assert len(mails_to(outbox, "ada@example.com")) == RESET_EMAILS_PER_HOUR + 1
