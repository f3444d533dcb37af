"""Two-factor sign-in in the browser: enrolling an authenticator app (QR code and key),
signing in with its code and with a recovery code, and an administrator without a second
factor sent from the admin console to set one up."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect
from sqlmodel import Session, select

from commerce.models import User, UserRole
from tests.e2e.test_delivery import _app_database
from tests.fixtures.browser import PASSWORD, TOTP_SECRETS, sign_in, sign_out, sign_up, totp_code


def _enrol(page) -> tuple[str, list[str]]:
    page.goto("/account")
    page.locator("#totp-start").click()
    expect(page.locator("#totp-qr")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    page.locator("#totp-confirm-code").fill(totp_code(secret))
    page.locator("#totp-confirm-submit").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    codes = [code.strip() for code in page.locator("#recovery-codes li").all_inner_texts()]
    page.locator("#recovery-codes-saved").click()
    expect(page.locator("#totp-on")).to_be_visible()
    return secret, codes


def test_authenticator_app_and_recovery_code_sign_in(page, viewport):
    address = f"tf-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, address)
    secret, codes = _enrol(page)
    sign_out(page)
    # The password alone no longer signs in: the second-factor page asks for a code.
    TOTP_SECRETS[address] = secret
    sign_in(page, address)
    sign_out(page)
    page.goto("/login")
    page.locator("#login-email").fill(address)
    page.locator("#login-password").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.locator("#second-factor-code").fill("000000")
    page.locator("#second-factor-submit").click()
    expect(page.locator("#second-factor-error")).to_contain_text("not right")
    page.locator("#second-factor-code").fill(codes[0])
    page.locator("#second-factor-submit").click()
    expect(page.locator("#account-menu")).to_be_visible()
    page.goto("/account")
    expect(page.locator("#recovery-left")).to_have_text("Recovery codes left: 9")
    activity = page.locator("#security-activity")
    expect(activity).to_contain_text("Signed in with a recovery code")
    expect(activity).to_contain_text("Failed sign-in (wrong two-factor code)")
    expect(activity).to_contain_text("Authenticator app turned on")
    # The same recovery code does not work twice.
    sign_out(page)
    page.goto("/login")
    page.locator("#login-email").fill(address)
    page.locator("#login-password").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.locator("#second-factor-code").fill(codes[0])
    page.locator("#second-factor-submit").click()
    expect(page.locator("#second-factor-error")).to_contain_text("not right")


def test_an_admin_without_a_second_factor_is_sent_to_set_one_up(app, page, viewport):
    address = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, address, name="New Admin")
    with Session(_app_database(app)) as s:
        user = s.exec(select(User).where(User.email == address)).one()
        user.role = UserRole.ADMIN
        s.add(user)
        s.commit()
    page.goto("/admin")
    expect(page).to_have_url(re.compile(r"/account/?\?setup=second-factor$"))
    expect(page.locator("#admin-second-factor-required")).to_be_visible()
    _enrol(page)
    page.goto("/admin")
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()


def test_a_passkey_registers_and_signs_in_with_a_virtual_authenticator(app, browser, csp_violations):
    """Chromium's virtual authenticator (CDP WebAuthn domain) stands in for a phone or a
    security key. The site's relying party is BASE_URL's host (localhost), so the browser
    opens the app at localhost: WebAuthn refuses IP addresses."""
    port = app.base_url.rsplit(":", 1)[1]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=f"http://localhost:{port}")
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )
        address = f"pk-{uuid.uuid4().hex[:8]}@example.com"
        sign_up(page, address)
        page.goto("/account")
        page.locator("#passkey-add").click()
        expect(page.locator("#security-notice")).to_contain_text("Passkey added")
        expect(page.locator("#passkey-list li")).to_have_count(1)
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        page.locator("#recovery-codes-saved").click()
        sign_out(page)
        # A passkey alone signs in (the HTTP response sets the HttpOnly session cookie).
        page.goto("/login")
        page.locator("#login-passkey").click()
        expect(page.locator("#account-menu")).to_be_visible()
        cookies = {cookie["name"]: cookie for cookie in context.cookies()}
        assert cookies["mp_session"]["httpOnly"] is True
        # With the password, the passkey is the second factor.
        sign_out(page)
        page.goto("/login")
        page.locator("#login-email").fill(address)
        page.locator("#login-password").fill(PASSWORD)
        page.locator("#login-submit").click()
        page.locator("#second-factor-passkey").click()
        expect(page.locator("#account-menu")).to_be_visible()
        page.goto("/account")
        expect(page.locator("#security-activity")).to_contain_text("Passkey added")
    finally:
        context.close()
