"""Nobody can lock an account's owner out (OWASP device cookies).

Before: five wrong passwords locked the account for fifteen minutes, for everyone, its
owner with the right password included. Now a guesser locks out only unknown clients:
a browser that signed in to the account before keeps signing in, each device has its
own limit, and the owner is emailed a link that makes a new device known.
"""

from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce import accounts
from commerce.accounts import devices
from commerce.accounts.service import MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_DEVICE
from commerce.db import unit_of_work
from commerce.errors import RateLimited, ValidationError
from routes import DEVICE_COOKIE
from storefront.api_session import session_routes
from tests.fixtures.adapters import emails_in

PASSWORD = "correct horse battery"
EMAIL = "ada@example.com"


def attempt(s, password, *, client="6.6.6.6", device=None):
    return accounts.login(s, email=EMAIL, password=password, client_id=client, device_cookie=device)


def lock_out_unknown_clients(s):
    for n in range(MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(ValidationError):
            attempt(s, f"guess number {n}", client=f"10.0.0.{n}")


@pytest.fixture
def owner(s):
    accounts.create_account(s, email=EMAIL, password=PASSWORD, display_name="Ada", client_id="1.1.1.1")
    return devices.issue(EMAIL)  # the owner's browser signed in before


def test_a_guesser_locks_out_unknown_clients_but_not_the_owners_browser(s, owner):
    lock_out_unknown_clients(s)
    with pytest.raises(RateLimited):
        attempt(s, PASSWORD, client="10.9.9.9")  # an unknown client, even with the password
    assert attempt(s, PASSWORD, client="1.1.1.1", device=owner).user.email == EMAIL


def test_admins_keep_signing_in_too(s, owner):
    from sqlmodel import select

    from commerce.models import User, UserRole

    admin = s.exec(select(User).where(User.email == EMAIL)).one()
    admin.role = UserRole.ADMIN
    s.add(admin)
    lock_out_unknown_clients(s)
    assert attempt(s, PASSWORD, device=owner).user.role == UserRole.ADMIN


def test_each_device_has_its_own_limit(s, owner):
    stolen_laptop = devices.issue(EMAIL)
    for n in range(MAX_FAILURES_PER_DEVICE):
        with pytest.raises(ValidationError):
            attempt(s, f"guess number {n}", device=stolen_laptop)
    with pytest.raises(RateLimited):
        attempt(s, PASSWORD, device=stolen_laptop)
    assert attempt(s, PASSWORD, device=owner).user.email == EMAIL


@pytest.mark.parametrize(
    "cookie",
    ["", "garbage", "d1.x.y.z", lambda: devices.issue("someone-else@example.com"), lambda: devices.issue(EMAIL) + "x"],
)
def test_a_forged_or_foreign_device_cookie_counts_as_an_unknown_client(s, owner, cookie):
    lock_out_unknown_clients(s)
    with pytest.raises(RateLimited):
        attempt(s, PASSWORD, device=cookie() if callable(cookie) else cookie)


def test_the_owner_is_emailed_a_link_that_makes_a_new_device_known(s, owner, outbox):
    lock_out_unknown_clients(s)
    with pytest.raises(RateLimited):
        attempt(s, PASSWORD, client="10.9.9.9")
    s.commit()
    (mail,) = [mail for mail in emails_in(outbox) if mail.to == EMAIL]
    link = re.search(r"https?://\S+(/api/session/unlock\?\S+)", mail.text).group(1)

    client = TestClient(Starlette(routes=session_routes()), base_url="http://shop.test", follow_redirects=False)
    opened = client.get(link)
    assert opened.status_code == 303
    cookie = opened.cookies.get(DEVICE_COOKIE)
    assert "HttpOnly" in opened.headers["set-cookie"]
    assert attempt(s, PASSWORD, client="10.9.9.9", device=cookie).user.email == EMAIL
    # A tampered link gives nothing.
    assert DEVICE_COOKIE not in client.get(link[:-2] + "xx").cookies


def test_signing_in_gives_the_browser_a_device_cookie(committed_engine):
    with unit_of_work() as s:
        accounts.create_account(s, email=EMAIL, password=PASSWORD, display_name="Ada", client_id="t")
    client = TestClient(Starlette(routes=session_routes()), base_url="http://shop.test", follow_redirects=False)
    answer = client.post(
        "/api/session/login",
        data={"email": EMAIL, "password": PASSWORD, "next": "/"},
        headers={"origin": "http://shop.test"},
    )
    device = [c for c in answer.headers.get_list("set-cookie") if c.startswith(DEVICE_COOKIE + "=")]
    assert device
    assert "HttpOnly" in device[0]
    assert devices.device_for(answer.cookies.get(DEVICE_COOKIE), EMAIL) is not None
