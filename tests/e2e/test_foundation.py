"""The walking skeleton, as a person uses it at a phone and a desktop viewport:
the home page shows the demo products `make run` loaded, a new buyer registers,
signs out and back in, and the admin area refuses them."""

import os
import re
import subprocess
import sys
import uuid

import httpx
from playwright.sync_api import expect

from commerce.config import PROJECT_ROOT
from commerce.demo import BUYER_EMAIL, DEMO_PASSWORD
from tests.fixtures.browser import sign_in, sign_out, sign_up


def test_home_page_shows_the_demo_products(page):
    page.goto("/")
    cards = page.locator("[data-testid=product-card]")
    expect(cards.first).to_be_visible()
    assert cards.count() >= 12
    expect(page.get_by_text("Markdown Editor Pro").first).to_be_visible()
    # Covers are real images served from storage, not broken links.
    cover = cards.first.locator("img").first
    expect(cover).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=cover.element_handle())


def test_register_sign_out_and_sign_in_again(page):
    email = f"buyer-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, email)
    sign_out(page)
    page.goto("/login")
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill("not the password")
    page.locator("#login-submit").click()
    expect(page.locator("#login-error")).to_contain_text("incorrect")
    sign_in(page, email)
    page.reload()  # the session survives a reload (cookie, resolved server-side)
    expect(page.locator("#account-menu")).to_be_visible()


def test_a_short_page_keeps_the_footer_out_of_the_first_screen_when_its_data_comes(new_page):
    """While a page's data loads its spinner fills the screen, and so does a short page once
    loaded (an empty library): the footer does not jump up into view when the data comes."""
    page = new_page("phone")
    sign_up(page, f"empty-{uuid.uuid4().hex[:8]}@example.com")
    page.goto("/library")
    expect(page.locator("#library-empty")).to_be_visible()
    assert page.evaluate("window.scrollY") == 0
    assert page.locator("#footer").bounding_box()["y"] >= page.viewport_size["height"]


# Phones from the narrowest a page must fit (WCAG's reflow) to a large one.
PHONE_WIDTHS = (320, 360, 390, 430)


def test_on_a_phone_the_header_is_as_tall_for_a_buyer_as_for_a_guest(app, browser):
    """A page's document draws the guest's header; once the app knows who is signed in, a buyer
    gets theirs, with a notifications icon and an account menu. Both fit beside the brand, so
    the header does not grow a row then and push the page down."""
    context = browser.new_context(base_url=app.base_url, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.locator("#nav-login")).to_be_visible()
        guest = {}
        for width in PHONE_WIDTHS:
            page.set_viewport_size({"width": width, "height": 844})
            guest[width] = page.locator("#navbar").bounding_box()["height"]
        sign_in(page, BUYER_EMAIL, DEMO_PASSWORD)
        for width in PHONE_WIDTHS:
            page.set_viewport_size({"width": width, "height": 844})
            brand = page.locator("#brand-home").bounding_box()
            account = page.locator("#account-menu").bounding_box()
            assert abs((brand["y"] + brand["height"] / 2) - (account["y"] + account["height"] / 2)) < 2, width
            assert page.locator("#navbar").bounding_box()["height"] == guest[width], width
    finally:
        context.close()


def test_a_buyer_is_refused_from_the_admin_area(page):
    sign_up(page, f"nosy-{uuid.uuid4().hex[:8]}@example.com")
    page.goto("/admin")
    expect(page.locator("#not-allowed")).to_be_visible()
    expect(page.locator("#admin-empty")).to_have_count(0)


def test_anonymous_visitors_are_sent_to_sign_in(page):
    page.goto("/seller")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fseller"))


def test_unknown_pages_get_a_clear_404(page, app):
    page.goto("/no/such/page")
    expect(page.locator("#not-found")).to_be_visible()
    assert httpx.get(app.url("/no/such/page")).status_code == 404


def test_health_probes_say_alive_and_ready(app):
    assert httpx.get(app.url("/healthz")).json() == {"status": "alive"}
    response = httpx.get(app.url("/readyz"))
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_demo_data_is_loaded_once(app):
    """`make run` seeded at start; seeding again changes nothing."""
    env = {**os.environ, "DATA_DIR": str(app.data_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "commerce.cli", "seed-demo"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "already present" in result.stdout


def test_the_server_log_has_the_apps_lines_and_no_page_defined_twice(app):
    """Pages are added once by the app (the production start compiles twice), and the
    domain's own log lines reach the server's output."""
    log = app.log_path.read_text(errors="replace")
    assert "redefined" not in log
    # One structured line (structlog's console format in development): level, event, logger.
    assert any(
        "jobs run in-process after commit" in line and "commerce.jobs.dispatch" in line and "info" in line
        for line in log.splitlines()
    ), log[-2000:]
