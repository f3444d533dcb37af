"""Buying on a phone: two sellers' products, a discount code, VAT, the TestPay page, the
confirmation page turning to paid by itself, a declined card, a guest who opens their
purchase from the receipt's one-click link, and a seller refunding a sale, making a code and a bundle."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from commerce.demo import BUYER_EMAIL, DEMO_PASSWORD
from tests.e2e.test_access import access_path
from tests.fixtures.browser import (
    DECLINED_CARD,
    ORDER_URL,
    add_to_cart,
    buy,
    check_out,
    pay,
    sign_in,
    sign_up,
    wait_until_paid,
)

INKWELL_EBOOK = "/p/inkwell-press/the-indie-maker-ebook"  # $19.00, WELCOME10 applies
COMPILER_EDITOR = "/p/compiler-works/markdown-editor-pro"  # €29.00, another seller
ENIGMA_SAMPLES = "/p/enigma-studio/lo-fi-drum-samples"  # $14.00
INKWELL_FREE_POEMS = "/p/inkwell-press/poetry-of-machines"  # pay what you want, from $0
ENIGMA_ALBUM = "/p/enigma-studio/synthwave-album"  # pay what you want, from $9.00

phone_only = pytest.mark.parametrize("viewport", ["phone"])


def _mark_document(page) -> None:
    """A flag that lives as long as this document: gone if the page reloads."""
    page.evaluate("window.__stillTheSamePage = true")


def _not_reloaded(page) -> bool:
    return page.evaluate("window.__stillTheSamePage === true")


@phone_only
def test_buyer_pays_two_sellers_with_a_code_and_a_declined_card_stays_unpaid(page):
    sign_in(page, BUYER_EMAIL, DEMO_PASSWORD)
    add_to_cart(page, INKWELL_EBOOK)
    add_to_cart(page, COMPILER_EDITOR)
    expect(page.locator("#cart-count")).to_have_text("2")

    page.goto("/cart")
    expect(page.locator("[data-testid=cart-line]")).to_have_count(2)
    expect(page.locator("[data-testid=cart-shop]")).to_have_text(["Compiler Works", "Inkwell Press"])
    expect(page.locator("#cart-discount")).to_have_count(0)

    page.get_by_label("Discount code").fill("welcome10")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#cart-code-applied")).to_contain_text("WELCOME10")
    expect(page.locator("#cart-discount")).to_have_text("−$1.90")  # 10 % of Inkwell's $19.00 only

    page.get_by_label("Billing country").select_option("DE")
    expect(page.locator("#cart-tax")).not_to_have_text("$0.00")
    expect(page.locator("[data-testid=cart-line-vat]")).to_have_count(2)
    total_with_vat = page.locator("#cart-total").inner_text()

    page.get_by_role("button", name="Checkout").click()
    expect(page).to_have_url(re.compile(r"/testpay/"))
    expect(page.locator("#testpay-amount")).to_have_text(total_with_vat)
    pay(page)
    expect(page).to_have_url(ORDER_URL)
    _mark_document(page)
    wait_until_paid(page)
    assert _not_reloaded(page), "the confirmation page must turn to paid without a reload"
    expect(page.locator("#order-heading")).to_contain_text("Paid")
    expect(page.locator("[data-testid=order-line]")).to_have_count(2)
    expect(page.locator("#order-total")).to_have_text(total_with_vat)
    expect(page.locator("#order-discount")).to_have_text("−$1.90")
    expect(page.locator("#cart-count")).to_have_count(0)  # bought products leave the cart

    # A second order, paid with a card that is declined.
    add_to_cart(page, ENIGMA_SAMPLES)
    check_out(page)
    pay(page, DECLINED_CARD)
    expect(page.locator("#testpay-error")).to_have_text("Your card was declined.")
    expect(page).to_have_url(re.compile(r"/testpay/"))
    page.get_by_role("link", name="View your order").click()
    expect(page).to_have_url(ORDER_URL)
    expect(page.locator("#order-declined")).to_contain_text("Payment failed: Your card was declined.")
    expect(page.locator("[data-testid=order-status]")).to_have_text("Awaiting payment")
    page.reload()
    expect(page.locator("[data-testid=order-status]")).to_have_text("Awaiting payment")
    expect(page.get_by_role("link", name="Try again")).to_be_visible()

    page.goto("/orders")
    expect(page.locator("[data-testid=order-row]")).to_have_count(2)
    expect(page.locator("[data-testid=order-row]").first).to_contain_text("Awaiting payment")

    # The unpaid product is still in the cart; removing it leaves the demo buyer's cart empty.
    page.goto("/cart")
    page.get_by_role("button", name="Remove Lo-fi Drum Samples").click()
    expect(page.locator("#cart-empty")).to_be_visible()
    expect(page.locator("#cart-count")).to_have_count(0)


@phone_only
def test_guest_buys_with_an_email_and_claims_the_account(page, app):
    guest = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(ENIGMA_ALBUM)
    page.get_by_label("Your price (USD)").fill("5")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#add-to-cart-error")).to_contain_text("Pay at least $9.00")
    expect(page.locator("#cart-count")).to_have_count(0)
    add_to_cart(page, ENIGMA_ALBUM, amount="12")

    check_out(page, email=guest)
    pay(page)
    reference = wait_until_paid(page)
    expect(page.locator("#order-total")).to_have_text("$12.00")

    # The receipt's one-click link signs the guest in: no password, no reset page.
    page.goto(access_path(app, guest))
    expect(page).to_have_url(re.compile(r"/library/\d+$"))
    expect(page.locator("#account-menu")).to_be_visible()
    page.goto("/orders")
    expect(page.locator("[data-testid=order-row]")).to_contain_text(reference)

    # A free order completes without the payment page.
    add_to_cart(page, INKWELL_FREE_POEMS, amount="0")
    page.goto("/cart")
    expect(page.locator("#cart-total")).to_have_text("$0.00")
    page.get_by_role("button", name="Get it free").click()
    wait_until_paid(page)


@phone_only
def test_seller_refunds_a_sale_in_two_steps_and_creates_a_code_and_a_bundle(page, new_page):
    sign_up(page, f"refund-me-{uuid.uuid4().hex[:8]}@example.com")
    reference = buy(page, [ENIGMA_SAMPLES])

    seller = new_page("phone")
    sign_in(seller, "alan@demo.market", DEMO_PASSWORD)
    seller.goto("/seller")
    seller.get_by_role("link", name="Sales", exact=True).click()
    sale = seller.locator("[data-testid=sale]").filter(has_text=reference)
    expect(sale).to_contain_text("Paid")
    sale.get_by_label("Refund amount for Lo-fi Drum Samples").fill("4")
    sale.get_by_role("button", name="Refund part").click()
    expect(seller.locator("#sales-notice")).to_contain_text(reference)
    expect(sale).to_contain_text("Partly refunded")
    expect(sale).to_contain_text("Refunded $4.00")
    sale.get_by_role("button", name=f"Refund in full, order {reference}").click()
    seller.get_by_role("alertdialog").get_by_role("button", name="Refund", exact=True).click()
    expect(sale).to_contain_text("Refunded $14.00")
    expect(sale.get_by_role("button", name="Refund part")).to_have_count(0)

    page.goto(f"/orders/{reference}")
    expect(page.locator("[data-testid=order-status]")).to_have_text("Refunded")
    expect(page.locator("#order-refunded")).to_have_text("$14.00")

    seller.get_by_role("link", name="Balance & payouts").click()
    with seller.expect_download() as download:
        seller.get_by_role("button", name="Download statement (CSV)").click()
    statement = Path(download.value.path()).read_text()
    assert f"{reference},sale," in statement
    assert f"{reference},refund," in statement

    seller.get_by_role("link", name="Discount codes").click()
    seller.get_by_label("Code", exact=True).fill("enigma20")
    seller.get_by_label("Percent or amount off").fill("20")
    seller.get_by_role("button", name="Create code").click()
    expect(seller.locator("[data-testid=discount-row]")).to_contain_text("ENIGMA20: 20 % off")
    seller.get_by_role("button", name="End code ENIGMA20: 20 % off").click()
    expect(seller.locator("#discount-notice")).to_contain_text("ENIGMA20 ended")
    expect(seller.locator("[data-testid=discount-row]")).to_contain_text("Inactive")

    seller.get_by_role("link", name="Bundles").click()
    seller.get_by_label("Bundle product").select_option(label="3D Shapes Illustration Kit")
    seller.get_by_label("Watercolor Textures").check()
    seller.get_by_role("button", name="Save bundle").click()
    expect(seller.locator("[data-testid=bundle-row]")).to_contain_text("Includes Watercolor Textures")
    page.goto("/p/enigma-studio/3d-shapes-illustration-kit")
    expect(page.locator("#product-bundle")).to_contain_text("Watercolor Textures")
