"""The session cookie in a real browser: scripts never see it, and signing in and out,
rotation and several tabs still work (the HTTP side is tests/security/test_session_cookie.py)."""

from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import datetime, timedelta

from playwright.sync_api import expect

from routes import SESSION_COOKIE
from tests.fixtures.browser import sign_in, sign_out, sign_up


def session_cookie(page) -> dict | None:
    return next((cookie for cookie in page.context.cookies() if cookie["name"] == SESSION_COOKIE), None)


def age_sessions(app, email: str, days: int) -> None:
    """Make the person's sessions `days` old in the running app's database (due for a new token)."""
    with sqlite3.connect(app.data_dir / "marketplace.db") as db:
        rows = db.execute(
            "SELECT s.id, s.created_at FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ?",
            (email,),
        ).fetchall()
        for row_id, created in rows:
            older = datetime.fromisoformat(created) - timedelta(days=days)
            db.execute("UPDATE auth_sessions SET created_at = ? WHERE id = ?", (older.isoformat(sep=" "), row_id))


def test_scripts_never_see_the_session_cookie_and_sessions_still_work(page, app):
    email = f"cookie-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, email)
    cookie = session_cookie(page)
    assert cookie is not None
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert SESSION_COOKIE not in page.evaluate("document.cookie")

    # A second tab of the same browser is signed in too.
    other = page.context.new_page()
    other.goto("/library")
    expect(other.locator("#account-menu")).to_be_visible()

    # A day later the next page load rotates the token; the page stays signed in.
    age_sessions(app, email, days=2)
    page.goto("/library")
    expect(page.locator("#account-menu")).to_be_visible()
    rotated = session_cookie(page)
    assert rotated["value"] != cookie["value"]
    assert rotated["httpOnly"] is True
    assert SESSION_COOKIE not in page.evaluate("document.cookie")
    other.reload()
    expect(other.locator("#account-menu")).to_be_visible()

    # Signing out in one tab ends the session for the other tab too. The person looks at the
    # first tab again (a tab in the background gets no animation frames to settle a click in).
    page.bring_to_front()
    sign_out(page)
    other.goto("/library")
    expect(other).to_have_url(re.compile(r"/login\?next=%2Flibrary"))
    sign_in(other, email)
    assert SESSION_COOKIE not in other.evaluate("document.cookie")
