"""Keyboard only.

A signed-in buyer buys a product from the home page to the library with Tab, Enter and
Space (and typing the card number): every stop shows a visible focus indicator, no page
reorders the tab sequence with a positive tabindex, and the account menu (a popup) keeps
focus inside while open and gives it back to its button when closed. On a phone, the search
filters dialog does the same. (Escape, the standard key that closes a popup, is the only
other key pressed.) Accessible names: tests/e2e/test_accessible_names.py.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.browser import ORDER_URL, PAYING_CARD, TESTPAY_URL, sign_up

MAX_TABS = 120
# The focused element, described for a failure message, and whether its focus shows.
# A text field's ring is drawn by its wrapper (Radix's TextField root, :focus-within), so the
# element and its two nearest ancestors are looked at.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const drawn = (node) => {
    const style = getComputedStyle(node);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const ring = style.boxShadow && style.boxShadow !== 'none';
    return outline || ring;
  };
  let shown = drawn(el);
  for (let node = el.parentElement, up = 0; node && up < 2 && !shown; node = node.parentElement, up++) {
    shown = drawn(node);
  }
  const name = (el.getAttribute('aria-label') || el.innerText || el.value || '').trim().slice(0, 60);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name, href: el.getAttribute('href') || '',
    visible: el.matches(':focus-visible') && shown,
  };
}"""
POSITIVE_TABINDEX = "() => [...document.querySelectorAll('[tabindex]')].filter((el) => el.tabIndex > 0).length"


def _describe(focus: dict | None) -> str:
    if focus is None:
        return "nothing (the page body)"
    return f"<{focus['tag']}{' #' + focus['id'] if focus['id'] else ''}> {focus['name']!r} {focus['href']}".strip()


def tab_to(page: Page, matches, what: str, *, backwards: bool = False) -> dict:
    """Press Tab until the focused element satisfies `matches`; every stop on the way must
    show its focus. Returns the focused element's description."""
    assert page.evaluate(POSITIVE_TABINDEX) == 0, f"{page.url}: an element has a positive tabindex"
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focus = page.evaluate(FOCUS)
        if focus is None:
            seen.append("(body)")
            continue
        seen.append(_describe(focus))
        assert focus["visible"], f"{page.url}: the focus on {_describe(focus)} is not visible"
        if matches(focus):
            return focus
    raise AssertionError(f"{page.url}: Tab never reached {what}; stops: " + " | ".join(seen[-30:]))


def by_id(element_id: str):
    return lambda focus: focus["id"] == element_id


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_buyer_buys_from_the_home_page_to_the_library_with_the_keyboard(page):
    sign_up(page, f"keys-{uuid.uuid4().hex[:8]}@example.com", name="Key Board")
    page.goto("/")
    expect(page.locator("[data-testid=product-card]").first).to_be_visible()
    expect(page.locator("#account-menu")).to_be_visible()

    # The first tab stop is the skip link; it jumps over the header to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()

    card = tab_to(page, lambda f: f["href"].startswith("/p/"), "a product card")
    product_path = card["href"]
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(product_path) + "/?$"))
    expect(page.locator("#add-to-cart")).to_be_visible()
    title = page.locator("#product-title").inner_text()

    tab_to(page, by_id("add-to-cart"), "Add to cart")
    page.keyboard.press("Enter")
    expect(page.locator("#added-to-cart")).to_be_visible()
    tab_to(page, by_id("added-view-cart"), "View cart")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cart/?$"))
    expect(page.locator("[data-testid=cart-line]").first).to_be_visible()

    tab_to(page, by_id("checkout-submit"), "Checkout")
    page.keyboard.press("Space")
    expect(page).to_have_url(TESTPAY_URL)

    tab_to(page, by_id("testpay-card"), "the card number")
    page.keyboard.type(PAYING_CARD)
    tab_to(page, by_id("testpay-pay"), "Pay")
    page.keyboard.press("Enter")
    expect(page).to_have_url(ORDER_URL)
    expect(page.locator("#order-paid-heading")).to_have_text("Payment received", timeout=30_000)

    # The account menu is a popup: opened from the keyboard it takes focus, Tab does not
    # leave it, Escape closes it and the focus is back on its button.
    tab_to(page, by_id("account-menu"), "the account menu", backwards=True)
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu")
    expect(menu).to_be_visible()
    expect(page.locator("#menu-library")).to_be_focused()
    for _ in range(3):
        page.keyboard.press("Tab")
        assert page.evaluate("() => !!document.activeElement.closest('[role=menu]')"), "Tab left the open menu"
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(page.locator("#account-menu")).to_be_focused()

    page.keyboard.press("Enter")
    expect(page.locator("#menu-library")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/library/?$"))
    expect(page.locator("[data-testid=library-item]", has_text=title)).to_be_visible()
    tab_to(page, lambda f: f["href"].startswith("/library/") and f["name"] == title, f"{title} in the library")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/library/\d+/?$"))
    expect(page.locator("#library-product-title")).to_have_text(title)


@pytest.mark.parametrize("viewport", ["phone"])
def test_the_filters_dialog_keeps_and_returns_the_focus(page):
    """On a phone the search filters open in a dialog (a drawer): it takes the focus, Tab
    cycles inside it, and when it closes the focus is back on the button that opened it."""
    page.goto("/search?q=ebook")
    expect(page.locator("#search-results")).to_be_visible()
    tab_to(page, by_id("search-filters-button"), "the Filters button")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    inside = "() => !!document.activeElement.closest('[role=dialog]')"
    page.wait_for_function(inside)
    for _ in range(12):
        page.keyboard.press("Tab")
        assert page.evaluate(inside), "Tab left the open filters dialog"
        assert page.evaluate(FOCUS)["visible"], f"the focus on {_describe(page.evaluate(FOCUS))} is not visible"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#search-filters-button")).to_be_focused()
