"""An admin rolls Web Push out to one seller on the flags page; that seller's account page
then offers push, and the browser's subscription (made by assets/push.js, with the service
worker assets/push-sw.js) is kept and listed. Others are not offered it."""

from __future__ import annotations

import base64
import json
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import expect

from commerce.demo import ADMIN_EMAIL, DEMO_PASSWORD
from tests.e2e.test_accessibility import _check
from tests.fixtures.browser import sign_in

SELLER = "alan@demo.market"
OTHER_SELLER = "grace@demo.market"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _fake_push_manager() -> str:
    """Headless Chromium has no push service to reach here: PushManager.subscribe answers
    with a subscription of real P-256 keys, as a browser's would, and permission is granted."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    subscription = {
        "endpoint": "https://push.example.net/wpush/" + os.urandom(8).hex(),
        "expirationTime": None,
        "keys": {"p256dh": _b64url(point), "auth": _b64url(os.urandom(16))},
    }
    answer = f"{{toJSON: () => ({json.dumps(subscription)})}}"
    return (
        "Notification.requestPermission = async () => 'granted';"
        f"PushManager.prototype.subscribe = async function () {{ return {answer}; }};"
    )


def test_an_admin_rolls_web_push_out_to_one_seller(page, new_page):
    sign_in(page, ADMIN_EMAIL, DEMO_PASSWORD)
    page.goto("/admin/flags")
    card = page.locator("[data-flag='web_push']")
    expect(card).to_contain_text("Web Push notifications")
    card.locator("#flag-web_push-rollout").select_option("accounts")
    card.locator("#flag-web_push-accounts").fill(SELLER)
    card.locator("#flag-web_push-save").click()
    expect(page.locator("#flags-notice")).to_contain_text("1 listed account")
    expect(card.get_by_test_id("flag-summary")).to_contain_text(SELLER)
    page.goto("/admin/audit")
    expect(page.locator("body")).to_contain_text("Changed feature flag")

    other = new_page()
    sign_in(other, OTHER_SELLER, DEMO_PASSWORD)
    other.goto("/account")
    expect(other.locator("#notification-preferences")).to_contain_text("Sale alerts")
    expect(other.locator("#push-subscribe")).to_have_count(0)
    expect(other.locator("#pref-sale_alert-push")).to_have_count(0)

    seller = new_page()
    seller.add_init_script(_fake_push_manager())
    # The page's own load of the push script is lost (a dropped request; or the click comes
    # before it arrives): the button still subscribes, loading the script itself.
    loads: list[str] = []

    def drop_the_first_load(route) -> None:
        loads.append(route.request.url)
        if len(loads) == 1:
            route.abort()
        else:
            route.continue_()

    seller.route("**/push.js", drop_the_first_load)
    sign_in(seller, SELLER, DEMO_PASSWORD)
    with seller.expect_event("requestfailed", lambda request: request.url.endswith("/push.js")):
        seller.goto("/account")
    expect(seller.locator("#pref-sale_alert-push")).to_be_visible()
    seller.locator("#push-subscribe").click()
    expect(seller.locator("#preferences-notice")).to_contain_text("now receives your push notifications")
    expect(seller.get_by_test_id("push-device").first).to_contain_text("Headless Chrome")
    assert seller.request.get("/push-sw.js").ok

    # axe on both pages as they are now (the account page with its push section).
    found: list[str] = []
    _check(seller, "account page with a push device", found)
    page.goto("/admin/flags")
    expect(page.locator("[data-flag='web_push']")).to_be_visible()
    _check(page, "admin flags page", found)
    assert not found, "\n".join(found)
