"""Buying through the UI, for any e2e test: add to cart, check out, pay on the TestPay page.

    from tests.e2e.checkout_flow import buy
    reference = buy(page, ["/p/inkwell-press/the-indie-maker-ebook"])   # signed in already

Each step waits for what a person would see before going on, so callers can chain them.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from routes import SESSION_COOKIE

PAYING_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
ORDER_URL = re.compile(r"/orders/(ORD-[A-Z0-9]+)$")
TESTPAY_URL = re.compile(r"/testpay/[^/]+$")


def add_to_cart(page: Page, product_path: str, amount: str | None = None) -> None:
    """Open a product page and add it; `amount` for pay-what-you-want products."""
    page.goto(product_path)
    if any(cookie["name"] == SESSION_COOKIE for cookie in page.context.cookies()):
        # Signed in: wait until the page knows it, or a click racing the page's start
        # lands in a guest cart (merged on the next page, but not counted yet).
        expect(page.locator("#account-menu")).to_be_visible()
    if amount is not None:
        page.locator("#product-amount").fill(amount)
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#added-to-cart")).to_be_visible()


def check_out(page: Page, *, email: str | None = None) -> None:
    """From anywhere: open the cart and press Checkout (guests give an email); lands on TestPay."""
    page.goto("/cart")
    expect(page.locator("[data-testid=cart-line]").first).to_be_visible()
    if email is not None:
        page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Checkout").click()
    expect(page).to_have_url(TESTPAY_URL)


def pay(page: Page, card: str = PAYING_CARD) -> None:
    """On the TestPay page: enter the card and press Pay."""
    page.get_by_label("Card number").fill(card)
    page.get_by_role("button", name="Pay").click()


def wait_until_paid(page: Page) -> str:
    """On the confirmation page: wait for the webhook to mark the order paid; its reference."""
    expect(page).to_have_url(ORDER_URL)
    expect(page.locator("#order-paid-heading")).to_have_text("Payment received", timeout=30_000)
    return ORDER_URL.search(page.url).group(1)


def buy(page: Page, product_paths: list[str], *, email: str | None = None) -> str:
    """Add the products, check out and pay with the test card that succeeds; the order reference."""
    for path in product_paths:
        add_to_cart(page, path)
    check_out(page, email=email)
    pay(page)
    return wait_until_paid(page)
