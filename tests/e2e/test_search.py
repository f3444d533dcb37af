"""Search as a buyer uses it on a phone: a misspelt query in the navbar finds the
e-books, the results page filters by category with counts, and the URL carries
the search so it can be shared and the back button works."""

import re

import pytest
from playwright.sync_api import expect

EBOOKS = ["The Indie Maker Ebook", "Python Patterns Ebook"]
# The e-books whose titles do not say so are found through their category, "E-books".
ALL_EBOOKS = [*EBOOKS, "Writing Better Docs", "Poetry of Machines"]


@pytest.fixture
def phone(new_page):
    return new_page("phone")


def result_titles(page) -> list[str]:
    return page.locator("[data-testid=search-result] .result-title").all_inner_texts()


def test_typing_a_misspelt_word_suggests_the_ebooks_as_you_type(phone):
    phone.goto("/")
    box = phone.locator("#navbar-search")
    box.click()
    box.press_sequentially("ebok", delay=60)
    dropdown = phone.locator("#quick-results")
    for title in EBOOKS:
        expect(dropdown.get_by_text(title)).to_be_visible()
    # The matched word is highlighted in a mark element, not as raw HTML.
    expect(dropdown.locator("mark").first).to_have_text(re.compile("ebook", re.I))
    box.press("Enter")
    expect(phone).to_have_url(re.compile(r"/search/?\?q=ebok$"))
    expect(phone.locator("#search-results")).to_be_visible()
    expect(phone.locator("#search-total")).to_have_text("4 products")
    assert sorted(result_titles(phone)) == sorted(ALL_EBOOKS)


def test_a_word_typed_before_the_scripts_run_still_finds_the_ebooks(phone):
    """The served page draws the search box before its scripts run (the home page starts
    them after its first frame): what a quick visitor typed by then is searched once they run."""
    held: list = []
    released: list[bool] = []

    def hold_scripts(route) -> None:
        if released:
            route.continue_()
        else:
            held.append(route)

    phone.route(re.compile(r"/assets/.*\.js$"), hold_scripts)
    phone.goto("/", wait_until="domcontentloaded")
    box = phone.locator("#navbar-search")
    box.click()
    box.press_sequentially("ebok", delay=60)
    assert held, "the scripts were not held back: the test would not type before they ran"
    released.append(True)
    for route in held:
        route.continue_()
    dropdown = phone.locator("#quick-results")
    for title in EBOOKS:
        expect(dropdown.get_by_text(title)).to_be_visible()
    expect(box).to_have_value("ebok")


def test_category_filter_changes_results_counts_and_url_and_back_works(phone):
    phone.goto("/search?q=photo")
    expect(phone.locator("#search-results")).to_be_visible()
    total_before = phone.locator("#search-total").inner_text()
    assert int(total_before.split()[0]) >= 2

    phone.locator("#search-filters-button").click()
    drawer = phone.locator("#search-filters-drawer")
    expect(drawer).to_be_visible()
    courses = drawer.locator("[data-facet=category][data-value=courses]")
    courses_count = int(courses.locator(".facet-count").inner_text())
    assert courses_count < int(total_before.split()[0])
    courses.click()

    expect(phone).to_have_url(re.compile(r"/search/?\?q=photo&category=courses$"))
    expect(phone.locator("#search-total")).to_have_text(
        f"{courses_count} product" + ("" if courses_count == 1 else "s")
    )
    assert len(result_titles(phone)) == courses_count
    phone.locator("#search-filters-button").click()
    selected = phone.locator("#search-filters-drawer [data-facet=category][data-selected=true]")
    expect(selected).to_have_count(1)
    # Only courses are left, so the category facet counts changed with the filter.
    expect(phone.locator("#search-filters-drawer [data-facet=category]")).to_have_count(1)

    phone.go_back()
    expect(phone).to_have_url(re.compile(r"/search/?\?q=photo$"))
    expect(phone.locator("#search-total")).to_have_text(total_before)


def test_no_results_offers_suggestions(phone):
    phone.goto("/search?q=python+zebra")
    expect(phone.locator("#search-empty")).to_be_visible()
    suggestion = phone.locator("#search-suggestions a").first
    expect(suggestion).to_contain_text("python")
    suggestion.click()
    expect(phone).to_have_url(re.compile(r"/search/?\?q=python$"))
    expect(phone.locator("[data-testid=search-result]").first).to_be_visible()


def test_the_header_box_does_not_carry_the_last_query_to_later_pages(phone):
    box = phone.locator("#navbar-search")
    phone.goto("/search?q=ebok")
    expect(phone.locator("#search-results")).to_be_visible()
    # The results page shows the search it is for.
    expect(box).to_have_value("ebok")

    phone.locator("[data-testid=search-result]").first.click()
    expect(phone).to_have_url(re.compile(r"/p/"))
    expect(phone.locator("#navbar-search")).to_have_value("")

    phone.goto("/")
    expect(phone.locator("#navbar-search")).to_have_value("")

    # Typed but not searched: following a suggestion to another product page
    # (the same kind of page as the one typed on) starts the box empty too.
    box = phone.locator("#navbar-search")
    box.click()
    box.press_sequentially("font", delay=60)
    dropdown = phone.locator("#quick-results")
    expect(dropdown.get_by_text("Retro Pixel Font")).to_be_visible()
    dropdown.get_by_text("Retro Pixel Font").click()
    expect(phone).to_have_url(re.compile(r"/p/compiler-works/retro-pixel-font"))
    expect(phone.locator("#navbar-search")).to_have_value("")
    box = phone.locator("#navbar-search")
    box.click()
    box.press_sequentially("tempalte", delay=60)
    for title in ("Minimal Resume Template", "Notion Life Planner"):
        expect(phone.locator("#quick-results").get_by_text(title)).to_be_visible()
    phone.locator("#quick-results").get_by_text("Notion Life Planner").click()
    expect(phone).to_have_url(re.compile(r"/p/inkwell-press/notion-life-planner"))
    expect(phone.locator("#navbar-search")).to_have_value("")


def test_a_kind_word_with_a_typo_lists_every_product_of_that_kind(phone):
    phone.goto("/search?q=tempalte")
    expect(phone.locator("#search-results")).to_be_visible()
    expect(phone.locator("#search-total")).to_have_text("4 products")
    assert set(result_titles(phone)) == {
        "Notion Life Planner",
        "Freelance Invoice Kit",
        "Startup Pitch Deck",
        "Minimal Resume Template",
    }


def test_the_sort_menu_offers_every_order_and_reorders_the_results(phone):
    phone.goto("/search?q=ebook")
    expect(phone.locator("#search-results")).to_be_visible()
    phone.locator("#search-sort").click()
    options = phone.get_by_role("option")
    expect(options).to_have_text(
        ["Best match", "Newest", "Price: low to high", "Price: high to low", "Best selling", "Top rated"]
    )
    phone.get_by_role("option", name="Price: low to high").click()
    expect(phone).to_have_url(re.compile(r"sort=price_asc"))
    expect(phone.locator("#search-sort")).to_have_text("Price: low to high")


# The layout shifts the page has had so far (Lighthouse's CLS adds the same entries up).
LAYOUT_SHIFT = """() => new Promise(resolve => {
    let total = 0;
    new PerformanceObserver(list => {
        for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
    }).observe({type: "layout-shift", buffered: true});
    setTimeout(() => resolve(total), 300);
})"""


def test_the_results_arriving_do_not_push_the_page_down(phone):
    """Until the results come, placeholders hold their place and the count's line: the filters
    and results do not jump down when they arrive (a shift of 0.095 on a phone before)."""
    phone.goto("/search?q=template")
    expect(phone.locator("#search-results")).to_be_visible()
    expect(phone.locator("#search-total")).to_be_visible()
    assert phone.evaluate(LAYOUT_SHIFT) < 0.05
