"""A tab that opens one product, shop or category after another shows each at its own
address only.

A tab's state lives on the server: a tab that opens page B after page A of the same kind is
first sent its state as it was (A's) and only then B's. Until then the page must not draw A
at B's address, where "Add to cart" would add A and a product card would open A's product.
"""

import pytest
from playwright.sync_api import expect

# Every heading the page draws, with the address it was drawn at (each document starts afresh).
RECORD_HEADINGS = """
window.drawnHeadings = [];
new MutationObserver(() => {
  const heading = document.querySelector("#product-title, #shop-name, #category-name");
  if (heading) window.drawnHeadings.push(location.pathname + " " + heading.textContent);
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def _open_one_after_the_other(page, first: tuple[str, str], second: tuple[str, str], heading: str) -> None:
    page.add_init_script(RECORD_HEADINGS)
    (first_path, first_name), (second_path, second_name) = first, second
    page.goto(first_path)
    expect(page.locator(heading)).to_have_text(first_name)

    page.goto(second_path)
    expect(page.locator(heading)).to_have_text(second_name)
    drawn = set(page.evaluate("window.drawnHeadings"))
    assert drawn == {f"{second_path} {second_name}"}, drawn


def test_opening_another_product_in_the_same_tab_never_draws_the_last_one(page):
    first = ("/p/inkwell-press/the-indie-maker-ebook", "The Indie Maker Ebook")
    second = ("/p/compiler-works/markdown-editor-pro", "Markdown Editor Pro")
    _open_one_after_the_other(page, first, second, "#product-title")

    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#added-to-cart")).to_be_visible()
    page.goto("/cart")
    expect(page.locator("[data-testid=cart-line]")).to_have_count(1)
    expect(page.locator("[data-testid=cart-line]")).to_contain_text(second[1])


@pytest.mark.parametrize("viewport", ["desktop"])
def test_opening_another_shop_in_the_same_tab_never_draws_the_last_one(page):
    first = ("/s/inkwell-press", "Inkwell Press")
    second = ("/s/compiler-works", "Compiler Works")
    _open_one_after_the_other(page, first, second, "#shop-name")
