"""A tab that opens one product after another shows each at its own address only.

A tab's state lives on the server: a tab that opens product B after product A is first sent
its state as it was (A's page) and only then B's. Until then the page must not draw A at B's
address, where "Add to cart" would add A.
"""

from playwright.sync_api import expect

FIRST = ("/p/inkwell-press/the-indie-maker-ebook", "The Indie Maker Ebook")
SECOND = ("/p/compiler-works/markdown-editor-pro", "Markdown Editor Pro")

# Every title the page draws, with the address it was drawn at (each document starts afresh).
RECORD_TITLES = """
window.drawnTitles = [];
new MutationObserver(() => {
  const title = document.getElementById("product-title");
  if (title) window.drawnTitles.push(location.pathname + " " + title.textContent);
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def test_opening_another_product_in_the_same_tab_never_draws_the_last_one(page):
    page.add_init_script(RECORD_TITLES)
    (first_path, first_title), (second_path, second_title) = FIRST, SECOND
    page.goto(first_path)
    expect(page.locator("#product-title")).to_have_text(first_title)

    page.goto(second_path)
    expect(page.locator("#product-title")).to_have_text(second_title)
    drawn = set(page.evaluate("window.drawnTitles"))
    assert drawn == {f"{second_path} {second_title}"}, drawn

    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#added-to-cart")).to_be_visible()
    page.goto("/cart")
    expect(page.locator("[data-testid=cart-line]")).to_have_count(1)
    expect(page.locator("[data-testid=cart-line]")).to_contain_text(second_title)
