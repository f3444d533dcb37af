"""What a crawler or a chat app's link preview reads without running any script: the served
HTML of product, shop and category pages carries their own title, description, canonical
URL, Open Graph and Twitter tags and schema.org JSON-LD; robots.txt names the sitemap, which
lists them. In a browser the same page still hydrates, keeps the right title as a person
moves around, and the structured data breaks no Content-Security-Policy."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import expect_app_replaces_first_screen

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


class Head(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.links: dict[str, str] = {}
        self.title = ""
        self.json_ld: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "meta" and "content" in found:
            key = found.get("property") or found.get("name") or ""
            self.meta.setdefault(key, []).append(found["content"] or "")
        elif tag == "link" and found.get("rel"):
            self.links[found["rel"] or ""] = found.get("href") or ""
        elif tag == "title" or (tag == "script" and found.get("type") == "application/ld+json"):
            self._in = tag

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "script":
            self.json_ld.append(data)

    def handle_endtag(self, tag):
        self._in = None


def _head(response: httpx.Response) -> Head:
    head = Head()
    head.feed(response.text)
    return head


def _sitemap_paths(app) -> list[str]:
    robots = httpx.get(app.url("/robots.txt"))
    assert robots.status_code == 200
    (sitemap_url,) = re.findall(r"^Sitemap: (\S+)$", robots.text, re.M)
    assert urlsplit(sitemap_url).path == "/sitemap.xml"
    assert "Disallow: /seller" in robots.text
    sitemap = httpx.get(app.url("/sitemap.xml"))
    assert sitemap.status_code == 200
    assert sitemap.headers["content-type"].startswith("application/xml")
    urls = ET.fromstring(sitemap.content).findall("sm:url/sm:loc", SITEMAP_NS)
    return [urlsplit(url.text or "").path for url in urls]


def test_crawlers_read_real_heads_and_find_every_page_in_the_sitemap(app):
    paths = _sitemap_paths(app)
    products = [path for path in paths if path.startswith("/p/")]
    assert products, paths
    assert any(path.startswith("/s/") for path in paths)
    assert any(path.startswith("/c/") for path in paths)

    response = httpx.get(app.url(products[0]), headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    head = _head(response)
    (data,) = [json.loads(block) for block in head.json_ld]
    assert data["@type"] == "Product"
    name = data["name"]
    assert head.title == f"{name} · Marketplace"
    assert head.meta["og:title"] == [name]
    assert head.meta["og:type"] == ["product"]
    assert head.meta["description"] == head.meta["og:description"]
    assert head.meta["description"][0]
    assert urlsplit(head.links["canonical"]).path == products[0]
    assert head.meta["og:url"] == [head.links["canonical"]]
    assert head.meta["twitter:card"] == ["summary_large_image"]
    (image,) = head.meta["og:image"]
    assert httpx.get(app.url(urlsplit(image).path)).headers["content-type"].startswith("image/")
    offer = data["offers"]
    assert offer["@type"] == "Offer"
    assert offer["availability"] in ("https://schema.org/InStock", "https://schema.org/OutOfStock")
    assert re.fullmatch(r"\d+(\.\d+)?", offer["price"])

    shop = _head(httpx.get(app.url(urlsplit(offer["seller"]["url"]).path)))
    assert shop.title == f"{offer['seller']['name']} · Marketplace"
    assert json.loads(shop.json_ld[0])["@type"] == "CollectionPage"
    category = next(path for path in paths if path.startswith("/c/"))
    assert _head(httpx.get(app.url(category))).meta["og:type"] == ["website"]

    missing = httpx.get(app.url(products[0] + "-gone"))
    assert missing.status_code == 404
    assert _head(missing).meta["robots"] == ["noindex"]
    assert _head(missing).json_ld == []


# Notes, in the page, whether the product was drawn when the server's first screen went.
FIRST_SCREEN_WATCH = """new MutationObserver((_, observer) => {
  if (!window.firstScreenSeen) { window.firstScreenSeen = !!document.getElementById("first-paint"); return; }
  if (document.getElementById("first-paint")) return;
  window.productDrawnWhenFirstScreenWent = !!document.getElementById("product-title");
  observer.disconnect();
}).observe(document, { childList: true, subtree: true });"""


def test_the_served_page_still_hydrates_with_its_title(app, page):
    paths = _sitemap_paths(app)
    product = next(path for path in paths if path.startswith("/p/"))
    response = httpx.get(app.url(product))
    served = _head(response)
    scripts: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: scripts.append(urlsplit(request.url).path))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(FIRST_SCREEN_WATCH)
    page.goto(product)
    expect(page.locator("#product-title")).to_be_visible()
    # The app took over the served document as it is: no hydration error (after which React
    # rebuilds the whole document), and the first screen stayed until the product was drawn.
    page.wait_for_function("() => window.productDrawnWhenFirstScreenWent !== undefined")
    assert page.evaluate("window.productDrawnWhenFirstScreenWent") is True
    assert errors == []
    # The product page's own module is named in the document, fetched with the shared scripts
    # rather than after they ran (storefront.route_modules), and it is the one the page used.
    named = re.findall(r'"(/assets/[^"]+\.js)"', response.text)
    own = [path for path in named if "product_slug" in path]
    assert own, named
    assert own[0] in scripts, (own, scripts)
    # The first screen the server painted is gone once the page drew the product itself.
    expect(page.locator("#first-paint")).to_have_count(0)
    expect(page).to_have_title(served.title)
    assert page.locator("#product-title").inner_text() + " · Marketplace" == served.title
    # One title and one canonical link: the page's own took over from the server's. The
    # structured data, which only the document has, stays for crawlers that run the page.
    expect(page.locator("head title")).to_have_count(1)
    canonical = page.locator('head link[rel="canonical"]')
    expect(canonical).to_have_count(1)
    expect(canonical).to_have_attribute("href", re.compile(re.escape(product) + "$"))
    expect(page.locator('head script[type="application/ld+json"]')).to_have_count(1)
    # Moving on inside the app, the title follows the page, and nothing the server wrote for
    # the product is left to describe the shop (a share sheet sends the canonical link; the
    # shop page has none of its own).
    shop_name = page.locator("#product-shop").inner_text()
    page.locator("#product-shop").click()
    expect(page.locator("#shop-name")).to_have_text(shop_name)
    expect(page).to_have_title(f"{shop_name} · Marketplace")
    expect(page.locator("head title")).to_have_count(1)
    expect(page.locator('head link[rel="canonical"]')).to_have_count(0)
    expect(page.locator('head [data-served="until-left"]')).to_have_count(0)
    expect(page.locator('head script[type="application/ld+json"]')).to_have_count(0)
    assert errors == []


def test_a_product_page_shows_the_product_before_any_script_runs(app, browser):
    """The served document paints the product's first screen (storefront.first_paint): with
    scripts off, a visitor still sees its cover, title, shop and price."""
    product = next(path for path in _sitemap_paths(app) if path.startswith("/p/"))
    served = _head(httpx.get(app.url(product)))
    context = browser.new_context(base_url=app.base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(product)
        screen = page.locator("#first-paint")
        expect(screen.locator("h1")).to_have_text(served.title.removesuffix(" · Marketplace"))
        expect(screen.locator("img.fp-cover")).to_be_visible()
        assert screen.locator("img.fp-cover").evaluate("image => image.naturalWidth") > 0
        expect(screen.locator(".fp-price")).to_have_text(re.compile(r"\d"))
        expect(screen.get_by_role("link", name=re.compile("."))).not_to_have_count(0)
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1000, 1280])
def test_the_product_page_draws_its_title_where_the_first_screen_had_it(app, browser, width):
    """The app's product page replaces the server's first screen in place: when the first
    screen goes, the brand and the title do not move."""
    product = next(path for path in _sitemap_paths(app) if path.startswith("/p/"))
    context = browser.new_context(base_url=app.base_url, viewport={"width": width, "height": 900})
    try:
        served = context.new_page()
        served.route(re.compile(r"/assets/.*\.js$"), lambda route: route.abort())
        served.goto(product)
        first_screen = served.locator("#first-paint")
        expect(first_screen.locator("h1")).to_be_visible()
        page = context.new_page()
        page.goto(product)
        expect(page.locator("#product-title")).to_be_visible()
        expect(page.locator("#first-paint")).to_have_count(0)
        for served_element, drawn_element in [
            (first_screen.locator(".fp-brand"), "#brand-home"),
            (first_screen.locator("h1"), "#product-title"),
        ]:
            before, after = served_element.bounding_box(), page.locator(drawn_element).bounding_box()
            assert (round(before["x"]), round(before["y"])) == (round(after["x"]), round(after["y"])), drawn_element
    finally:
        context.close()


def _served_home(context):
    """The home page as its document paints it: its scripts are held back."""
    page = context.new_page()
    page.route(re.compile(r"/assets/.*\.js$"), lambda route: route.abort())
    page.goto("/")
    return page


def test_the_home_page_paints_its_first_cover_before_any_script_runs(app, browser):
    """The served home page paints the first card's cover into that card's placeholder
    (storefront.home_head): scripts held back, it is on screen; once they run, the card the
    page draws in its place shows the same picture, in a box of the same size."""
    context = browser.new_context(base_url=app.base_url, viewport={"width": 412, "height": 823})
    try:
        held = _served_home(context)
        boxes = held.locator("#home-popular-first-cover, #home-products-first-cover")
        painted = [
            (box.get_attribute("id"), box.evaluate("box => getComputedStyle(box).backgroundImage"))
            for box in boxes.all()
        ]
        covers = [(box_id, image) for box_id, image in painted if image.startswith("url(")]
        assert len(covers) == 1, painted
        box_id, image = covers[0]
        cover_path = urlsplit(re.fullmatch(r'url\("(.+)"\)', image).group(1)).path
        assert httpx.get(app.url(cover_path)).status_code == 200
        first = held.locator(f"#{box_id}")
        expect(first).to_be_in_viewport()
        placeholder = first.bounding_box()
        assert placeholder["height"] > 200

        page = context.new_page()
        page.goto("/")
        grid = "#home-popular" if box_id.startswith("home-popular") else "#home-products"
        drawn = page.locator(f"{grid} [data-testid=product-card] img").first
        expect(drawn).to_be_visible()
        assert urlsplit(drawn.get_attribute("src")).path == cover_path
        # In the placeholder's column and at its size (sections above it may come or go).
        box = drawn.bounding_box()
        assert [round(box[key]) for key in ("x", "width", "height")] == [
            round(placeholder[key]) for key in ("x", "width", "height")
        ]
    finally:
        context.close()


def test_the_home_page_placeholders_stand_still_while_its_scripts_load(app, browser):
    """The served home page's placeholders are still grey blocks, not pulsing ones: a pulse
    repaints every placeholder at every frame of a phone busy starting the app."""
    context = browser.new_context(base_url=app.base_url, viewport={"width": 412, "height": 823})
    try:
        held = _served_home(context)
        placeholders = held.locator(".rt-Skeleton")
        expect(placeholders.first).to_be_visible()
        assert placeholders.count() > 10
        assert held.evaluate("document.getAnimations().length") == 0
        assert placeholders.first.evaluate("box => getComputedStyle(box).backgroundColor") != "rgba(0, 0, 0, 0)"
    finally:
        context.close()


def test_the_search_page_shows_its_first_results_before_any_script_runs(app, browser):
    """The served results page lists its first results (storefront.search_head): with scripts
    off a visitor reads and follows them; with scripts, the page's own results replace them."""
    context = browser.new_context(base_url=app.base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/search?q=template")
        screen = page.locator("#first-paint")
        expect(screen.locator("h1")).to_have_text("Results for “template”")
        served = screen.locator(".fs-card")
        expect(served.first).to_be_visible()
        served_titles = served.locator(".fs-title").all_inner_texts()
        assert "template" in served_titles[0].lower()
        expect(served.first.locator("mark").first).to_have_text(re.compile("template", re.I))
        served.first.click()
        expect(page).to_have_url(re.compile(r"/p/[^/]+/[^/]+$"))
    finally:
        context.close()

    expect_app_replaces_first_screen(
        browser, "/search?q=template", "[data-testid=search-result] .result-title", served_titles, base_url=app.base_url
    )


def test_a_header_parsed_up_to_its_first_row_does_not_move_the_search_screen(app, browser):
    """A phone paints the document while it parses it. Painted when the header had only its
    first row, the results screen lay under that row and moved down as the search row came (a
    shift of 0.12 on a slow phone): until the page's <main> follows the header, the screen lies
    at the whole header's height, then at the header's bottom, the same place."""
    path = "/search?q=template"
    document = httpx.get(app.url(path)).text
    up_to_first_row = document[: document.index("<form", document.index('id="navbar"'))]
    context = browser.new_context(base_url=app.base_url, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.route(re.compile(r"/assets/.*\.js$"), lambda route: route.abort())

        def screen_and_header_bottom(served: str) -> tuple[int, int]:
            page.unroute(re.compile(r"/search\?q="))
            page.route(re.compile(r"/search\?q="), lambda route: route.fulfill(body=served, content_type="text/html"))
            page.goto(path)
            screen = page.locator("#first-paint").bounding_box()["y"]
            header = page.locator("#navbar").evaluate("header => header.getBoundingClientRect().bottom")
            return round(screen), round(header)

        parsing_screen, parsing_header = screen_and_header_bottom(up_to_first_row)
        whole_screen, whole_header = screen_and_header_bottom(document)
        assert parsing_header < whole_header, "the cut document's header was whole: the test would not fail"
        assert parsing_screen == whole_screen == whole_header
    finally:
        context.close()
