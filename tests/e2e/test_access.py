"""Journeys without friction, at a phone and a desktop viewport: a guest who pays gets the
files and keys on the confirmation page at once and one click from the receipt into the
library; sign-in returns to the page that asked; unknown addresses answer 404; the small
things (a title printed once, the pay-what-you-want error in view, a readable paid panel);
and an admin who suspends a seller is asked first and buyers are told the shop is unavailable."""

from __future__ import annotations

import email
import re
import time
import uuid
from email import policy

import httpx
from playwright.sync_api import expect

from commerce import accounts
from commerce.db import unit_of_work
from commerce.demo import ADMIN_EMAIL, BUYER_EMAIL, DEMO_PASSWORD
from tests.e2e.test_delivery import _app_database, publish_key_product
from tests.fixtures.browser import add_to_cart, check_out, pay, sign_in, wait_until_paid

FILE_PRODUCT = "/p/inkwell-press/the-indie-maker-ebook"
FILE_PRODUCT_TITLE = "The Indie Maker Ebook"
# Bought and downloaded here only: other tests count the ebook's downloads on the shared server.
DOCS_PRODUCT = "/p/inkwell-press/writing-better-docs"
DOCS_PRODUCT_TITLE = "Writing Better Docs"
ENIGMA_ALBUM = "/p/enigma-studio/synthwave-album"  # pay what you want, from $9.00

# WCAG 2.2 AA for normal-size text.
MIN_CONTRAST = 4.5
CONTRAST = """(el) => {
  // Computed colours may be rgb()/rgba() or color(<space> r g b / a) with channels 0..1.
  const parse = (c) => {
    const wide = c.startsWith('color(');
    const nums = c.replace(/^color\\(\\S+/, '').match(/-?[\\d.]+(?:e-?\\d+)?/g).map(Number);
    const [r, g, b] = nums.slice(0, 3).map((v) => (wide ? v * 255 : v));
    return [r, g, b, nums.length > 3 ? nums[3] : 1];
  };
  const over = (top, under) => top.slice(0, 3).map((v, i) => top[3] * v + (1 - top[3]) * under[i]);
  const layers = [];
  for (let n = el; n; n = n.parentElement) {
    const bg = parse(getComputedStyle(n).backgroundColor);
    if (bg[3] > 0) layers.push(bg);
    if (bg[3] >= 1) break;
  }
  let back = [255, 255, 255];
  for (const layer of layers.reverse()) back = over(layer, back);
  const fore = over(parse(getComputedStyle(el).color), back);
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [lum(fore), lum(back)].sort((a, b) => b - a);
  return (hi + 0.05) / (lo + 0.05);
}"""


COLOURS = """(el) => {
  const out = [getComputedStyle(el).color];
  for (let n = el; n; n = n.parentElement) out.push(n.tagName + ' ' + getComputedStyle(n).backgroundColor);
  return out.join(' | ');
}"""


def access_path(app, address: str, wait_seconds: float = 20) -> str:
    """The path of the newest "Access your purchase" link emailed to `address` (the receipt
    is sent by a job just after the payment, so wait for it a little)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        found = []
        for path in sorted((app.data_dir / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == address:
                body = message.get_body(preferencelist=("plain",)).get_content()
                found += re.findall(r"https?://[^/\s]+(/access/\S+)", body)
        if found:
            return found[-1]
        assert time.monotonic() < deadline, f"no access link emailed to {address}"
        time.sleep(0.5)


def test_a_guest_gets_files_and_keys_at_once_then_one_click_from_the_receipt_into_the_library(app, page):
    suffix = uuid.uuid4().hex[:6]
    guest = f"guest-{suffix}@example.com"
    # In a shop of its own: other tests open the demo sellers' newest products.
    seller, _, _ = _new_seller(app, suffix)
    _, key_product = publish_key_product(app, f"Render Tool {suffix}", seller_email=seller)

    add_to_cart(page, DOCS_PRODUCT)
    add_to_cart(page, key_product)
    check_out(page, email=guest)
    pay(page)
    reference = wait_until_paid(page)

    # The confirmation page delivers, with no sign-in and no password.
    paid = page.locator("#order-paid")
    expect(paid).to_contain_text("no password needed")
    expect(page.locator("#order-password-optional")).to_contain_text("optional")
    expect(paid).not_to_contain_text("set a password:")
    for text in (page.locator("#order-paid-heading"), page.locator("#order-password-optional")):
        assert text.evaluate(CONTRAST) >= MIN_CONTRAST, text.evaluate(COLOURS)
    delivery = page.locator("#order-delivery")
    expect(delivery.locator("[data-testid=order-delivery-item]")).to_have_count(2)
    expect(delivery.locator("[data-testid=order-key-text]")).to_have_text(re.compile(r"^E2E-[0-9A-Z-]+$"))
    with page.expect_download() as download:
        delivery.get_by_role("button", name=re.compile(r"^Download ")).first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert download.value.failure() is None

    # One click from the receipt email: signed in, in the library, on the product.
    link = access_path(app, guest)
    fresh = page.context.browser.new_context(viewport=page.viewport_size, base_url=app.base_url)
    try:
        inbox = fresh.new_page()
        inbox.goto(link)
        expect(inbox).to_have_url(re.compile(r"/library(/\d+)?/?$"))
        expect(inbox.locator("#account-menu")).to_be_visible()
        inbox.goto("/orders")
        expect(inbox.locator("[data-testid=order-row]")).to_contain_text(reference)
        # Setting a password is an optional, later step.
        inbox.goto("/account")
        expect(inbox.locator("#account-password")).to_contain_text("Set a password (optional)")
        # Used once, the link is refused, and offers a new one.
        inbox.goto(link)
        expect(inbox.locator("#access-error")).to_contain_text("already been used")
        expect(inbox.get_by_role("button", name="Email me a new link")).to_be_visible()
    finally:
        fresh.close()


def test_a_single_product_claim_lands_on_that_product_in_the_library(app, page):
    guest = f"single-{uuid.uuid4().hex[:6]}@example.com"
    add_to_cart(page, DOCS_PRODUCT)
    check_out(page, email=guest)
    pay(page)
    wait_until_paid(page)
    page.context.clear_cookies()
    page.goto(access_path(app, guest))
    expect(page).to_have_url(re.compile(r"/library/\d+$"))
    expect(page.locator("#library-product-title")).to_have_text(DOCS_PRODUCT_TITLE)
    expect(page.locator("#library-password-optional")).to_contain_text("Setting a password is optional")


def _wait_for_the_form_to_name(page, path: str) -> None:
    """The sign-in form's page to return to comes with the page's state, a moment after the
    address changes: a person typing is slower than that, a test is not."""
    expect(page.locator("#login-form input[name=next]")).to_have_value(path)


def test_signing_in_returns_to_the_page_that_asked(app, page, new_page, viewport):
    page.goto(FILE_PRODUCT)
    expect(page.locator("#product-title")).to_be_visible()
    page.locator("#nav-login").click()
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fp%2Finkwell-press%2Fthe-indie-maker-ebook$"))
    _wait_for_the_form_to_name(page, FILE_PRODUCT)
    page.locator("#login-email").fill(BUYER_EMAIL)
    page.locator("#login-password").fill(DEMO_PASSWORD)
    page.locator("#login-submit").click()
    expect(page).to_have_url(re.compile(re.escape(FILE_PRODUCT) + "$"))
    expect(page.locator("#account-menu")).to_be_visible()
    # A guarded page sends a visitor to sign in and back as well.
    visitor = new_page(viewport)
    visitor.goto("/orders")
    expect(visitor).to_have_url(re.compile(r"/login\?next=%2Forders$"))
    _wait_for_the_form_to_name(visitor, "/orders")
    visitor.locator("#login-email").fill(BUYER_EMAIL)
    visitor.locator("#login-password").fill(DEMO_PASSWORD)
    visitor.locator("#login-submit").click()
    expect(visitor).to_have_url(re.compile(r"/orders/?$"))
    expect(visitor.get_by_role("heading", name="Your orders")).to_be_visible()
    # A sign-in link that points off the site goes home instead (no open redirect).
    page = new_page(viewport)
    page.goto("/login?next=//evil.example/steal")
    page.locator("#login-email").fill(BUYER_EMAIL)
    page.locator("#login-password").fill(DEMO_PASSWORD)
    page.locator("#login-submit").click()
    expect(page).to_have_url(re.compile(re.escape(app.base_url) + r"/?$"))  # home, on this site
    expect(page.locator("#account-menu")).to_be_visible()


def test_unknown_products_shops_and_categories_answer_not_found(app, page):
    for path in ("/p/inkwell-press/no-such-product", "/p/no-such-shop/anything", "/s/no-such-shop", "/c/no-such"):
        response = httpx.get(app.url(path), timeout=10)
        assert response.status_code == 404, path
        assert re.search(r"<title[^>]*>Not found[^<]*</title>", response.text), path
    for path in (FILE_PRODUCT, "/s/inkwell-press"):
        response = httpx.get(app.url(path), timeout=10)
        assert response.status_code == 200, path
        assert "Not found · " not in response.text

    page.goto("/p/inkwell-press/no-such-product")
    expect(page.locator("#product-missing")).to_contain_text("Product not found")
    expect(page).to_have_title(re.compile(r"^Product not found"))
    page.goto("/s/no-such-shop")
    expect(page.locator("#shop-missing")).to_contain_text("Shop not found")
    expect(page).to_have_title(re.compile(r"^Shop not found"))


def test_the_product_page_prints_its_title_once_and_the_price_error_is_in_view(page, viewport):
    page.goto(FILE_PRODUCT)
    expect(page.locator("#product-title")).to_have_text(FILE_PRODUCT_TITLE)
    expect(page.locator("main").get_by_text(FILE_PRODUCT_TITLE, exact=True)).to_have_count(1)

    page.goto(ENIGMA_ALBUM)
    page.locator("#product-amount").fill("5")
    page.get_by_role("button", name="Add to cart").click()
    error = page.locator("#add-to-cart-error")
    expect(error).to_contain_text("Pay at least $9.00")
    expect(error).to_be_in_viewport()


def _new_seller(app, suffix: str) -> tuple[str, str, str]:
    """A seller with a shop of their own, as the account page makes one (no other test uses it)."""
    address = f"seller-{suffix}@example.com"
    with unit_of_work(_app_database(app)) as s:
        grant = accounts.create_account(
            s, email=address, password="a long enough password", display_name=f"Shop Keeper {suffix}", client_id="e2e"
        )
        accounts.create_shop(s, grant.actor, name=f"Keeper {suffix}", slug=f"keeper-{suffix}")
    return address, f"Keeper {suffix}", f"/s/keeper-{suffix}"


def test_suspending_a_seller_asks_first_and_buyers_are_told_the_shop_is_unavailable(app, page, new_page):
    suffix = uuid.uuid4().hex[:6]
    address, shop_name, shop_path = _new_seller(app, suffix)
    sign_in(page, ADMIN_EMAIL, DEMO_PASSWORD)
    page.goto(f"/admin/users?q={address}")
    expect(page.locator("#user-detail-name")).to_have_text(f"Shop Keeper {suffix}")
    page.locator("#seller-reason").fill("Selling stolen fonts")
    page.locator("#seller-suspend").click()

    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"Suspend {shop_name}?")
    expect(dialog).to_contain_text("tells buyers it is unavailable")
    expect(dialog.locator("#suspend-products")).to_contain_text("0 live products")
    expect(dialog.locator("#suspend-payouts")).to_contain_text("Payouts")
    dialog.get_by_role("button", name="Keep the shop open").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#user-detail-suspended")).to_have_count(0)
    assert httpx.get(app.url(shop_path), timeout=10).status_code == 200

    page.locator("#seller-suspend").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Suspend seller").click()
    expect(page.locator("#user-detail-suspended")).to_be_visible()

    response = httpx.get(app.url(shop_path), timeout=10)
    assert response.status_code == 404
    assert re.search(r"<title[^>]*>Unavailable", response.text)
    buyer = new_page("phone")
    buyer.goto(shop_path)
    expect(buyer.locator("#shop-unavailable")).to_contain_text("This shop is unavailable")
    expect(buyer.locator("main")).not_to_contain_text("does not exist")
    expect(buyer).to_have_title(re.compile(r"^Shop unavailable"))

    # Reinstating needs no confirmation and brings the shop back.
    page.locator("#seller-reinstate").click()
    expect(page.locator("#user-detail-suspended")).to_have_count(0)
    assert httpx.get(app.url(shop_path), timeout=10).status_code == 200
