"""The shop in the buyer's language: the browser's choice, the language menu (at once,
without a reload, keeping a half-filled form), a purchase in German on a phone from the
home page to the library, Arabic right to left, and yen in Japanese."""

from __future__ import annotations

import email
import re
import uuid
from email import policy

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS
from tests.e2e.test_access import access_path
from tests.fixtures.browser import ORDER_URL, PAYING_CARD, TESTPAY_URL

phone_only = pytest.mark.parametrize("viewport", ["phone"])

INKWELL_EBOOK = "/p/inkwell-press/the-indie-maker-ebook"  # $19.00


def browser_in(browser, app, locale: str, viewport: str):
    """A page whose browser prefers `locale` (its Accept-Language)."""
    context = browser.new_context(base_url=app.base_url, viewport=VIEWPORTS[viewport], locale=locale)
    context.set_default_timeout(20_000)
    return context, context.new_page()


def choose_language(page, code: str, menu: str = "#language-menu") -> None:
    page.locator(menu).click()
    page.locator(f"[data-lang={code}]").click()


def subjects_sent_to(app, address: str) -> list[str]:
    return [
        str(message["Subject"])
        for path in sorted((app.data_dir / "outbox").glob("*.eml"))
        if (message := email.message_from_bytes(path.read_bytes(), policy=policy.default))["To"] == address
    ]


def test_the_browser_language_is_spoken_and_the_menu_changes_it_without_a_reload(browser, app, csp_violations):
    context, page = browser_in(browser, app, "de-DE", "desktop")
    page.goto("/register")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#nav-login")).to_have_text("Anmelden")
    page.locator("#register-email").fill("half-filled@example.com")
    page.evaluate("window.__stillTheSamePage = true")

    choose_language(page, "fr", menu="#footer-language-menu")
    expect(page.locator("#nav-login")).to_have_text("Se connecter")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#register-email")).to_have_value("half-filled@example.com")
    assert page.evaluate("window.__stillTheSamePage === true")

    # The choice is kept in a cookie: the next visit opens in French whatever the browser says.
    page.goto("/")
    expect(page.locator("#nav-login")).to_have_text("Se connecter")
    context.close()


def test_a_buyer_buys_in_german_on_a_phone_from_the_home_page_to_the_library(browser, app, csp_violations):
    buyer = f"kaeufer-{uuid.uuid4().hex[:8]}@example.de"
    context, page = browser_in(browser, app, "de-DE", "phone")
    page.goto("/")
    expect(page.locator("#hero h1")).to_have_text("Digitale Produkte von unabhängigen Kreativen")

    box = page.locator("#navbar-search")
    box.click()
    box.press_sequentially("Indie Maker", delay=40)
    box.press("Enter")
    expect(page.locator("#search-heading")).to_have_text("Ergebnisse für „Indie Maker“")
    page.locator("[data-testid=search-result]").first.click()

    expect(page.locator(".price").first).to_have_text(re.compile(r"^19,00\s\$$"))
    page.get_by_role("button", name="In den Warenkorb").click()
    expect(page.locator("#added-to-cart")).to_contain_text("Zum Warenkorb hinzugefügt.")
    page.get_by_role("link", name="Warenkorb ansehen").click()

    expect(page.locator("#cart-total")).to_have_text(re.compile(r"^19,00\s\$$"))
    page.get_by_label("E-Mail").fill(buyer)
    page.get_by_role("button", name="Zur Kasse").click()
    expect(page).to_have_url(TESTPAY_URL)
    page.get_by_label("Kartennummer").fill(PAYING_CARD)
    page.get_by_role("button", name=re.compile(r"bezahlen$")).click()

    expect(page).to_have_url(ORDER_URL)
    expect(page.locator("#order-paid-heading")).to_have_text("Zahlung erhalten", timeout=30_000)

    # The receipt is in German too, and its one-click link opens the purchase in the library.
    page.goto(access_path(app, buyer))
    expect(page).to_have_url(re.compile(r"/library/\d+$"))
    expect(page.locator("#library-product-title")).to_have_text("The Indie Maker Ebook")
    expect(page.get_by_role("heading", name="Dateien")).to_be_visible()
    assert any(subject.startswith("Dein Beleg für Bestellung") for subject in subjects_sent_to(app, buyer))
    context.close()


@phone_only
def test_arabic_reads_right_to_left_with_a_readable_price(page):
    page.goto(INKWELL_EBOOK + "?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("#nav-login")).to_have_text("تسجيل الدخول")
    expect(page.get_by_role("button", name="أضف إلى السلة")).to_be_visible()
    # Mirrored header: the brand sits at the right edge (the left in English), and the
    # actions run right to left (the language menu first, the cart after it, to its left).
    width = page.viewport_size["width"]
    brand = page.locator("#brand-home").bounding_box()
    assert brand["x"] + brand["width"] > width - 40, brand
    assert page.locator("#cart-link").bounding_box()["x"] < page.locator("#language-menu").bounding_box()["x"]
    # The price keeps Latin digits and its decimal point.
    expect(page.locator(".price").first).to_have_text(re.compile(r"19\.00\s?US\$"))


def test_japanese_prices_in_yen_have_no_decimals(browser, app, csp_violations):
    context, page = browser_in(browser, app, "ja-JP", "desktop")
    page.goto(INKWELL_EBOOK)
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.get_by_role("button", name="カートに入れる").click()
    expect(page.locator("#added-to-cart")).to_be_visible()
    page.goto("/cart")
    expect(page.get_by_role("heading", name="カート", exact=True)).to_be_visible()
    page.locator("#cart-currency").select_option("JPY")
    expect(page.locator("#cart-total")).to_have_text(re.compile(r"^￥\d{1,3}(,\d{3})*$"))
    context.close()
