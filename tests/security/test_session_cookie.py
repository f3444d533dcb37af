"""The session cookie is HttpOnly: set only by HTTP responses, read by pages from their
websocket's handshake, never by a script (the browser side is tests/e2e/test_session_cookie_in_browser.py).

Sign-in posts to an HTTP route; a page load rotates a session due for a new token; a page
that resolved a token keeps working after another tab rotated it, while a copied token
presented by a new connection after the grace period still revokes the whole family.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import reflex as rx
from sqlmodel import select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from commerce import accounts
from commerce.db import unit_of_work
from commerce.kit.time import utcnow
from commerce.models import AuthSession
from routes import SESSION_COOKIE
from state.session import SessionState, cookie_token
from storefront.api_session import SessionRefreshMiddleware, session_routes

SITE = "http://shop.test"
PASSWORD = "correct horse battery"


async def page(request):
    return HTMLResponse("<html>a page</html>")


@pytest.fixture
def client(committed_engine):
    app = Starlette(
        routes=[*session_routes(), Route("/library", page)], middleware=[Middleware(SessionRefreshMiddleware)]
    )
    with unit_of_work() as s:
        accounts.create_account(s, email="ada@example.com", password=PASSWORD, display_name="Ada", client_id="t")
    return TestClient(app, base_url=SITE, follow_redirects=False)


def sign_in(client, password=PASSWORD, origin=SITE):
    return client.post(
        "/api/session/login",
        data={"email": "ada@example.com", "password": password, "next": "/library"},
        headers={"origin": origin},
    )


def test_no_state_var_holds_the_session_cookie():
    """A cookie in Reflex state is written by the page's JavaScript, so it cannot be HttpOnly."""
    cookies = [name for name, var in SessionState.get_fields().items() if isinstance(var.default, rx.Cookie)]
    assert cookies == []
    assert "session_token" not in SessionState.vars


def test_signing_in_sets_an_httponly_lax_cookie_from_the_http_response(client):
    answer = sign_in(client)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/library"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    token = cookie_token(cookie.split(";")[0])
    with unit_of_work() as s:
        assert accounts.resume_session(s, token).user.email == "ada@example.com"


def test_refusals_go_back_to_the_sign_in_page_without_a_cookie(client):
    wrong = sign_in(client, password="not the password")
    assert wrong.headers["location"] == "/login?next=%2Flibrary&error=incorrect"
    assert "set-cookie" not in wrong.headers
    forged = sign_in(client, origin="https://evil.example")  # login CSRF from another site
    assert forged.headers["location"].endswith("error=origin")
    assert "set-cookie" not in forged.headers


def test_a_page_load_rotates_a_session_due_for_it(client):
    token = cookie_token(sign_in(client).headers["set-cookie"].split(";")[0])
    with unit_of_work() as s:
        for row in s.exec(select(AuthSession)):
            row.created_at = utcnow() - timedelta(days=2)
            s.add(row)
    client.cookies.set(SESSION_COOKIE, token)
    answer = client.get("/library", headers={"accept": "text/html"})
    assert answer.status_code == 200
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    rotated = cookie_token(cookie.split(";")[0])
    assert rotated not in ("", token)
    with unit_of_work() as s:
        assert accounts.resume_session(s, rotated).user.email == "ada@example.com"


def test_an_open_page_keeps_its_session_after_a_rotation_but_a_copied_token_does_not(committed_engine):
    with unit_of_work() as s:
        grant = accounts.create_account(
            s, email="ada@example.com", password=PASSWORD, display_name="Ada", client_id="t"
        )
        seen = accounts.socket_session(s, grant.token)
        for row in s.exec(select(AuthSession)):
            row.created_at = utcnow() - timedelta(days=2)
            s.add(row)
    with unit_of_work() as s:
        rotated = accounts.resume_session(s, grant.token)  # another tab's page load
        for row in s.exec(select(AuthSession).where(AuthSession.replaced_at.is_not(None))):
            row.replaced_at = utcnow() - timedelta(minutes=10)
            s.add(row)
    with unit_of_work() as s:
        # The page that resolved the old token over its websocket keeps working.
        assert accounts.socket_session(s, grant.token, seen_token_hash=seen.token_hash).user.id == grant.user.id
        # A new connection presenting the replaced token is a copy: the family is revoked.
        assert accounts.socket_session(s, grant.token) is None
    with unit_of_work() as s:
        assert accounts.socket_session(s, rotated.token) is None


def test_the_cookie_is_read_from_the_handshake_header():
    assert cookie_token(f"mp_vid=abc; {SESSION_COOKIE}=tok123; other=1") == "tok123"
    assert cookie_token("mp_vid=abc") == ""
