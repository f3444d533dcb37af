"""A seller watches the analytics dashboard on a desktop while a buyer, in another browser,
buys one of the seller's products with the test gateway: the revenue card, the chart, a
toast and the unread badge update live, without a reload; the buyer's UTM campaign shows up."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from commerce.demo import DEMO_PASSWORD
from tests.fixtures.browser import add_to_cart, check_out, pay, sign_in, wait_until_paid

SELLER_EMAIL = "ada@demo.market"
INKWELL_EBOOK = "/p/inkwell-press/the-indie-maker-ebook"  # $19.00: $18.05 after the 5 % commission
LIVE_TIMEOUT = 30_000


def _revenue_text(page) -> str:
    value = page.locator("#card-revenue-value")
    return value.inner_text() if value.count() else "$0.00"


def _orders_in_chart(page) -> int:
    """The order count the chart's summary line states ("… from 3 orders · Today")."""
    summary = page.locator("#revenue-chart-summary")
    if not summary.count():
        return 0
    return int(re.search(r"from (\d+) order", summary.inner_text()).group(1))


def _chart_drawing(page) -> str:
    # The chart's own surface; legend icons are recharts-surface svgs too, and come first.
    chart = page.locator("#revenue-chart .recharts-wrapper > svg.recharts-surface")
    return chart.first.inner_html() if chart.count() else ""


@pytest.mark.parametrize("viewport", ["desktop"])
def test_a_sale_updates_the_sellers_open_dashboard_live(page, new_page):
    seller = page
    sign_in(seller, SELLER_EMAIL, DEMO_PASSWORD)
    seller.goto("/seller/analytics?range=today")
    expect(seller.get_by_role("heading", name="Analytics")).to_be_visible()
    expect(seller.locator("#analytics-empty, #cards").first).to_be_visible()
    started_empty = seller.locator("#analytics-empty").count() == 1
    revenue_before = _revenue_text(seller)
    orders_before = _orders_in_chart(seller)
    drawing_before = _chart_drawing(seller)
    seller.evaluate("window.__stillTheSamePage = true")

    buyer = new_page("desktop")
    # The buyer arrives from a newsletter link: the landing address carries UTM tags.
    buyer.goto("/?utm_source=newsletter&utm_medium=email&utm_campaign=autumn-launch")
    expect(buyer.locator("[data-testid=product-card]").first).to_be_visible()
    add_to_cart(buyer, INKWELL_EBOOK)
    check_out(buyer, email=f"analytics-{uuid.uuid4().hex[:8]}@example.com")
    pay(buyer)
    wait_until_paid(buyer)

    revenue = seller.locator("#card-revenue-value")
    expect(revenue).not_to_have_text(revenue_before, timeout=LIVE_TIMEOUT)
    if started_empty:
        expect(revenue).to_have_text("$18.05")
        expect(seller.locator("#card-orders-value")).to_have_text("1")
    # The chart moved too: one more order in its data, a bar for it, a different drawing.
    expect(seller.locator("#revenue-chart-summary")).to_contain_text(f"from {orders_before + 1} order")
    expect(seller.locator("#revenue-chart-summary")).to_contain_text(revenue.inner_text())
    expect(seller.locator("#revenue-chart .recharts-bar-rectangle").first).to_be_visible()
    assert _chart_drawing(seller) != drawing_before
    expect(seller.locator("[data-testid=live-toast]").filter(has_text="New sale")).to_be_visible()
    expect(seller.locator("#notifications-unread")).to_be_visible()
    assert seller.evaluate("window.__stillTheSamePage === true"), "the dashboard reloaded the page"

    # The funnel counts visitors who reached each step, with rates: it can only narrow.
    funnel_rows = seller.locator("#funnel-table tbody tr")
    expect(funnel_rows).to_have_count(4)
    expect(funnel_rows.nth(3)).to_contain_text("Bought")
    expect(funnel_rows.nth(3).locator("td").first).not_to_have_text("0")
    counts = [
        int(cell.replace(",", ""))
        for cell in seller.locator("#funnel-table tbody tr td:nth-of-type(1)").all_inner_texts()
    ]
    assert counts == sorted(counts, reverse=True), counts
    expect(funnel_rows.nth(3).locator("td").nth(1)).to_have_text(re.compile(r"\d+\.\d%"))

    # Where the buyer came from, attributed to the sale.
    seller.locator("#tab-campaigns").click()
    campaign = seller.locator("#campaigns-table tbody tr").filter(has_text="autumn-launch")
    expect(campaign.locator("td")).to_have_text(["autumn-launch", re.compile(r"[1-9]\d*"), "1", "$18.05"])

    # The notification is listed, and marking it read clears the badge.
    seller.locator("#notifications-link").click()
    expect(seller.locator("#notifications-list")).to_contain_text("New sale: The Indie Maker Ebook")
    seller.locator("#mark-all-read").click()
    expect(seller.locator("#notifications-unread")).to_have_count(0)


# True when some word of the element's text is split across two lines.
_BREAKS_A_WORD = """el => {
    const text = el.firstChild;
    let start = 0;
    for (const word of el.textContent.split(' ')) {
        const range = document.createRange();
        range.setStart(text, start);
        range.setEnd(text, start + word.length);
        start += word.length + 1;
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) return true;
    }
    return false;
}"""


@pytest.mark.parametrize("viewport", ["phone"])
def test_the_products_table_reads_as_cards_on_a_phone(page):
    sign_in(page, SELLER_EMAIL, DEMO_PASSWORD)
    page.goto("/seller/analytics?range=30d")
    cards = page.locator("[data-testid=product-figures-card]")
    # The demo collector's order sold the ebook within the last 30 days.
    ebook = cards.filter(has_text="The Indie Maker Ebook")
    expect(ebook).to_be_visible()
    expect(page.locator("#products-table")).to_be_hidden()
    title = ebook.locator("[data-testid=product-card-title]")
    expect(title).to_have_text("The Indie Maker Ebook")
    assert not title.evaluate(_BREAKS_A_WORD), "a product name is broken mid-word"
    expect(ebook.get_by_text("Revenue")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"

    # Sorting by name on a phone: the menu names the column, the cards follow it.
    sort_menu = page.get_by_role("combobox", name="Sort by", exact=True)
    sort_menu.click()
    page.get_by_role("option", name="Product").click()
    expect(sort_menu).to_have_text("Product")
    names = page.locator("[data-testid=product-card-title]").all_inner_texts()
    assert names == sorted(names, key=str.lower)
