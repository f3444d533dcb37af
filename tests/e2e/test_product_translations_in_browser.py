"""A seller translates a product in the studio on a phone; a Japanese buyer reads it in
Japanese, switches to the original with one tap, and finds it by a Japanese word."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from commerce.db import unit_of_work
from commerce.demo import DEMO_PASSWORD
from commerce.models import Product
from tests.e2e.test_delivery import _app_database
from tests.fixtures.browser import sign_in

SELLER_EMAIL = "ada@demo.market"
ORIGINAL = "Photography Basics Course"
PRODUCT_PATH = "/p/inkwell-press/photography-basics-course"
JAPANESE_TITLE = "写真の基本講座"


def open_editor(app, page: Page, title: str) -> None:
    with unit_of_work(_app_database(app)) as s:
        product_id = s.exec(select(Product.id).where(Product.title == title)).one()
    page.goto(f"/seller/products/{product_id}")
    expect(page.locator("#editor-title")).to_have_text(title)


@pytest.mark.parametrize("viewport", ["phone"])
def test_seller_translates_and_a_japanese_buyer_reads_and_finds_it(app, page: Page, new_page):
    sign_in(page, SELLER_EMAIL, DEMO_PASSWORD)
    open_editor(app, page, ORIGINAL)

    page.locator("#translation-lang-ja").click()
    expect(page.locator("#translation-lang-ja")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#translation-title")).to_have_attribute("lang", "ja")
    page.locator("#translation-title").fill(JAPANESE_TITLE)
    page.locator("#translation-summary").fill("光と構図と編集を6週間で学ぶ講座です。")
    page.locator("#translation-submit").click()
    expect(page.locator("#translation-notice")).to_be_visible()
    expect(page.locator("#translation-remove")).to_be_visible()
    # A title over the limit is refused under its field, as the original's would be.
    page.locator("#translation-title").fill("長" * 121)
    page.locator("#translation-submit").click()
    expect(page.locator("#translation-title-error")).to_contain_text("at most 120 characters")

    # Arabic is typed right to left.
    page.locator("#translation-lang-ar").click()
    expect(page.locator("#translation-title")).to_have_attribute("dir", "rtl")
    expect(page.locator("#translation-title")).to_have_value("")

    buyer = new_page("desktop")
    buyer.goto(f"{PRODUCT_PATH}?lang=ja")
    expect(buyer.locator("#product-title")).to_have_text(JAPANESE_TITLE)
    expect(buyer.locator("#product-title")).to_have_attribute("lang", "ja")
    buyer.locator("#show-original").click()
    expect(buyer.locator("#product-title")).to_have_text(ORIGINAL)
    buyer.locator("#show-original").click()
    expect(buyer.locator("#product-title")).to_have_text(JAPANESE_TITLE)

    # The reindex runs after the save's commit: search until it has.
    deadline = time.monotonic() + 20
    while True:
        buyer.goto("/search?q=構図")
        results = buyer.locator(".result-title")
        expect(buyer.locator("#search-total")).to_be_visible()
        if results.count() or time.monotonic() > deadline:
            break
        time.sleep(1)
    expect(results).to_have_text([JAPANESE_TITLE])
