"""A person changes their email from the account page: the link sent to the new address
confirms it, the old address is told, and sign-in uses the new one."""

from __future__ import annotations

import email
import email.policy
import time
import uuid

from playwright.sync_api import expect

from tests.fixtures.browser import OUTBOX, PASSWORD, email_link, sign_in, sign_out, sign_up


def subjects_to(address: str, timeout: float = 20.0, *, containing: str) -> list[str]:
    """The subjects of emails to `address`, once one contains `containing` (waits for the job)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        subjects = [
            str(message["Subject"])
            for message in (
                email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in sorted(OUTBOX["dir"].glob("*.eml"))
            )
            if str(message["To"]) == address
        ]
        if any(containing in subject for subject in subjects):
            return subjects
        time.sleep(0.2)
    raise AssertionError(f"no email to {address} about {containing!r}")


def test_changing_the_email_waits_for_the_new_address_link(page, new_page):
    old = f"old-{uuid.uuid4().hex[:8]}@example.com"
    new = f"new-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, old, name="Mover")
    page.goto("/account")
    expect(page.locator("#account-email")).to_have_text(old)

    # A wrong password is refused under its field and sends nothing.
    page.locator("#email-new").fill(new)
    page.locator("#email-password").fill("not my password")
    page.locator("#email-submit").click()
    expect(page.locator("#account-email-change")).to_contain_text("current password is incorrect")

    page.locator("#email-password").fill(PASSWORD)
    page.locator("#email-submit").click()
    expect(page.locator("#email-notice")).to_contain_text(f"We sent a link to {new}")
    expect(page.locator("#account-email")).to_have_text(old)  # unchanged until the link is opened

    # The link, opened in another browser, asks before it changes anything.
    other = new_page()
    other.goto(email_link(new, "/account/email/"))
    expect(other.locator("#email-confirm")).to_be_visible()
    other.locator("#email-confirm").click()
    expect(other.locator("#email-confirmed")).to_contain_text(new)
    # Opening it again does nothing more.
    other.reload()
    other.locator("#email-confirm").click()
    expect(other.locator("#email-confirm-error")).to_contain_text("used already")

    page.reload()
    expect(page.locator("#account-email")).to_have_text(new)
    expect(page.locator("#security-activity")).to_contain_text("Email address changed")
    assert subjects_to(old, containing="was changed")  # the old address was told
    sign_out(page)
    sign_in(page, new)
    page.goto("/account")
    expect(page.locator("#account-email")).to_have_text(new)
