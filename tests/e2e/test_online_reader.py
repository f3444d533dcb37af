"""A buyer reads an online-only PDF in the browser: the library offers "Read online"
instead of a download, the reader shows server-rendered page images, next and previous
(buttons and arrow keys) turn pages; and nothing the page receives, over the websocket
or HTTP, names the original file (its storage key, the download route, a storage link)."""

from __future__ import annotations

from contextlib import contextmanager, suppress
from datetime import timedelta

import httpx
from playwright.sync_api import expect
from sqlmodel import select

from commerce.config import DEFAULT_SECRET_KEY
from commerce.db import unit_of_work
from commerce.delivery import links
from commerce.demo import COLLECTOR_EMAIL, DEMO_PASSWORD
from commerce.models import Fulfilment, Product, ProductFile, ProductVersion, User
from tests.e2e.test_accessibility import _check as check_with_axe
from tests.e2e.test_delivery import _app_database, _app_store
from tests.fixtures.browser import sign_in
from tests.fixtures.reader import numbered_pdf
from tests.fixtures.world import World

FILENAME = "Online field guide.pdf"
# Addresses that would hand the buyer the original: the download route, raw storage links.
ORIGINAL_ROUTES = ("/api/download/", "/api/files/", "X-Amz-Signature")


@contextmanager
def online_only_file(app, data: bytes, *, filename: str, content_type: str, position: int):
    """`data` as a file of the ebook the demo's collector bought, online only, for the
    test's duration; yields its ids and storage key, with the collector's fulfilment."""
    store = _app_store(app)
    with unit_of_work(_app_database(app)) as s:
        product = s.exec(select(Product).where(Product.title == "The Indie Maker Ebook")).one()
        version = s.exec(select(ProductVersion).where(ProductVersion.product_id == product.id)).first()
        file = World(s).stored_file(
            version, store, data, filename=filename, content_type=content_type, online_only=True, position=position
        )
        collector = s.exec(select(User).where(User.email == COLLECTOR_EMAIL)).one()
        fulfilment = s.exec(
            select(Fulfilment).where(Fulfilment.product_id == product.id, Fulfilment.buyer_id == collector.id)
        ).one()
        found = dict(
            file_id=file.id,
            product_id=product.id,
            blob_key=file.blob_key,
            sha256=file.sha256,
            fulfilment_id=fulfilment.id,
        )
    try:
        yield found
    finally:
        # Other browser tests list and download this ebook's files.
        with unit_of_work(_app_database(app)) as s:
            s.delete(s.get_one(ProductFile, found["file_id"]))


def online_only_guide(app):
    """A three-page PDF, online only, added to the ebook the demo's collector bought."""
    return online_only_file(app, numbered_pdf(3), filename=FILENAME, content_type="application/pdf", position=99)


def shows_a_page_image(page) -> None:
    """Waits until the reader's image has loaded a rendered page (over 1,000 px wide)."""
    image = page.locator("#reader-page-image")
    for _ in range(100):
        if image.evaluate("img => (img.complete ? img.naturalWidth : 0)") > 1000:
            return
        page.wait_for_timeout(200)
    raise AssertionError("the page image did not load")


def test_the_buyer_reads_an_online_only_pdf_page_by_page(app, page):
    with online_only_guide(app) as guide:
        sign_in(page, COLLECTOR_EMAIL, DEMO_PASSWORD)
        page.goto(f"/library/{guide['product_id']}")
        row = page.get_by_test_id("library-file").filter(has_text=FILENAME)
        expect(row.get_by_test_id("view-online")).to_have_text("Read online")
        expect(row.get_by_test_id("download-file")).to_have_count(0)
        expect(row).to_contain_text("View online only")
        row.get_by_role("link", name=f"Read online: {FILENAME}").click()

        expect(page.get_by_role("heading", name=FILENAME)).to_be_visible()
        image = page.locator("#reader-page-image")
        expect(image).to_have_attribute("alt", f"Page 1 of {FILENAME}")
        expect(page.locator("#reader-page-number").first).to_have_text("Page 1 of 3")
        shows_a_page_image(page)
        problems: list[str] = []
        check_with_axe(page, "light reader", problems)
        assert problems == []
        first_src = image.get_attribute("src")
        assert "/api/view/" in first_src

        page.get_by_role("button", name="Next page").first.click()
        expect(page.locator("#reader-page-number").first).to_have_text("Page 2 of 3")
        expect(image).not_to_have_attribute("src", first_src)
        shows_a_page_image(page)

        page.keyboard.press("ArrowRight")
        expect(page.locator("#reader-page-number").first).to_have_text("Page 3 of 3")
        expect(page.get_by_role("button", name="Next page").first).to_be_disabled()
        page.keyboard.press("ArrowLeft")
        expect(page.locator("#reader-page-number").first).to_have_text("Page 2 of 3")

        # The page image is the buyer's: a browser without their session is refused.
        assert httpx.get(app.url(image.get_attribute("src"))).status_code == 403


def test_no_address_of_the_original_reaches_the_buyers_browser(app, page):
    with online_only_guide(app) as guide:
        frames: list[str] = []
        responses = []
        page.on(
            "websocket",
            lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))),
        )
        page.on("response", lambda response: responses.append(response))
        sign_in(page, COLLECTOR_EMAIL, DEMO_PASSWORD)
        page.goto(f"/library/{guide['product_id']}")
        page.get_by_test_id("library-file").filter(has_text=FILENAME).get_by_test_id("view-online").click()
        expect(page.locator("#reader-page-number").first).to_have_text("Page 1 of 3")
        page.get_by_role("button", name="Next page").first.click()
        expect(page.locator("#reader-page-number").first).to_have_text("Page 2 of 3")
        shows_a_page_image(page)

        assert frames, "the page's websocket frames were not seen"
        received = list(frames)
        for response in responses:
            received.append(response.url)
            received.extend(f"{name}: {value}" for name, value in response.headers.items())
            if response.headers.get("content-type", "").startswith(
                ("text/", "application/json", "application/javascript")
            ):
                # A redirect or a body the browser dropped has no text: its headers were scanned.
                with suppress(Exception):
                    received.append(response.text())
        leaks = [text[:200] for text in received for needle in (guide["blob_key"], *ORIGINAL_ROUTES) if needle in text]
        assert leaks == []
        page_images = [r for r in responses if "/api/view/" in r.url]
        assert page_images
        assert all(r.headers["content-type"] == "image/webp" for r in page_images)

        # The download route refuses the file even on a genuine link for the buyer's own purchase.
        link = links.sign(
            DEFAULT_SECRET_KEY, guide["fulfilment_id"], guide["file_id"], FILENAME, lifetime=timedelta(minutes=5)
        )
        refused = page.request.get(link, headers={"accept": "application/json"})
        assert refused.status == 403
        assert refused.json()["error"] == "online_only"
