"""The shop in the buyer's language: the browser's choice, the language menu (at once,
without a reload, keeping a half-filled form), Arabic right to left, and prices per locale."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

phone_only = pytest.mark.parametrize("viewport", ["phone"])

INKWELL_EBOOK = "/p/inkwell-press/the-indie-maker-ebook"  # $19.00


def choose_language(page, code: str, menu: str = "#language-menu") -> None:
    page.locator(menu).click()
    page.locator(f"[data-lang={code}]").click()


def test_the_browser_language_is_spoken_and_the_menu_changes_it_without_a_reload(browser, app, csp_violations):
    context = browser.new_context(base_url=app.base_url, viewport={"width": 1280, "height": 800}, locale="de-DE")
    page = context.new_page()
    page.goto("/register")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#nav-login")).to_have_text("Anmelden")
    page.locator("#register-email").fill("half-filled@example.com")
    page.evaluate("window.__stillTheSamePage = true")

    choose_language(page, "fr")
    expect(page.locator("#nav-login")).to_have_text("Se connecter")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#register-email")).to_have_value("half-filled@example.com")
    assert page.evaluate("window.__stillTheSamePage === true")

    # The choice is kept in a cookie: the next visit opens in French whatever the browser says.
    page.goto("/")
    expect(page.locator("#nav-login")).to_have_text("Se connecter")
    context.close()


@phone_only
def test_arabic_reads_right_to_left_with_a_readable_price(page):
    page.goto(INKWELL_EBOOK + "?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("#nav-login")).to_have_text("تسجيل الدخول")
    # Mirrored header: the brand sits at the right edge (the left in English), and the
    # actions run right to left (the language menu first, the cart after it, to its left).
    width = page.viewport_size["width"]
    brand = page.locator("#brand-home").bounding_box()
    assert brand["x"] + brand["width"] > width - 40, brand
    assert page.locator("#cart-link").bounding_box()["x"] < page.locator("#language-menu").bounding_box()["x"]
    expect(page.locator(".price").first).to_have_text("‏19.00 US$")
