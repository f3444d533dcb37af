"""Signing up does not tell anyone who already has an account.

The form answers the same for a new address and a taken one; the taken address's
owner is emailed instead, and a new account exists only once its email link is opened.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from commerce import accounts
from commerce.errors import ValidationError
from commerce.models import User
from tests.fixtures.adapters import emails_in

PASSWORD = "correct horse battery"


def sign_up(s, email, name="Someone", password="another good password"):
    return accounts.register(s, email=email, password=password, display_name=name, client_id="5.5.5.5")


def confirm_link(text: str) -> str:
    return re.search(r"https?://\S+/welcome/(\S+)", text).group(1)


def test_a_taken_address_gets_the_same_answer_and_its_owner_an_email(s, outbox):
    accounts.create_account(s, email="ada@example.com", password=PASSWORD, display_name="Ada", client_id="1.1.1.1")
    s.commit()
    assert sign_up(s, "ADA@example.com") == sign_up(s, "new@example.com")
    s.commit()
    mails = {mail.to: mail for mail in emails_in(outbox)}
    assert "already has an account" in mails["ada@example.com"].text
    assert "/login" in mails["ada@example.com"].text
    assert "/welcome/" not in mails["ada@example.com"].text
    # The owner's password is untouched and nothing was created for the attempt.
    assert accounts.login(s, email="ada@example.com", password=PASSWORD, client_id="1.1.1.1").user.display_name == "Ada"
    assert len(s.exec(select(User).where(User.email == "ada@example.com")).all()) == 1


def test_a_new_account_exists_only_once_its_link_is_opened(s, outbox):
    sign_up(s, "new@example.com", name="Newcomer")
    s.commit()
    assert s.exec(select(User).where(User.email == "new@example.com")).first() is None
    (mail,) = emails_in(outbox)
    token = confirm_link(mail.text)
    grant = accounts.confirm_registration(s, token=token)
    assert grant.user.email == "new@example.com"
    assert grant.user.display_name == "Newcomer"
    assert accounts.resume_session(s, grant.token).user.id == grant.user.id
    with pytest.raises(ValidationError, match="invalid or has expired"):
        accounts.confirm_registration(s, token=token)


def test_a_sign_up_link_for_an_address_taken_meanwhile_creates_nothing(s, outbox):
    sign_up(s, "race@example.com", password="the first password here")
    sign_up(s, "race@example.com", password="the second password here")
    s.commit()
    first, second = (confirm_link(mail.text) for mail in emails_in(outbox))
    accounts.confirm_registration(s, token=first)
    with pytest.raises(ValidationError, match="exists already"):
        accounts.confirm_registration(s, token=second)
    assert accounts.login(s, email="race@example.com", password="the first password here", client_id="2.2.2.2")


@pytest.mark.parametrize("token", ["", "x" * 500, "not-a-real-token", None, 7])
def test_forged_sign_up_links_are_refused(s, token):
    with pytest.raises(ValidationError, match="invalid or has expired"):
        accounts.confirm_registration(s, token=token)
