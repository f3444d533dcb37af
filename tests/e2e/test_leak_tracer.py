"""The seller opens the leak tracer, uploads a fingerprinted copy of their ebook that
someone re-saved with another PDF tool, and sees which purchase it came from."""

from __future__ import annotations

import io

import pypdf
from playwright.sync_api import expect
from sqlmodel import select

from commerce.config import DEFAULT_SECRET_KEY
from commerce.db import unit_of_work
from commerce.demo import COLLECTOR_EMAIL, DEMO_PASSWORD
from commerce.fingerprints import formats, payload
from commerce.models import DeliveryPolicy, Fulfilment, Order, Product, ProductFile, Protection, User
from tests.e2e.test_delivery import SELLER_EMAIL, _app_database, _app_store
from tests.fixtures.browser import sign_in


def _leaked_copy(app, tmp_path) -> tuple[str, str]:
    """The collector's fingerprinted copy of the ebook, re-saved by pypdf; and their order's reference."""
    with unit_of_work(_app_database(app)) as s:
        product = s.exec(select(Product).where(Product.title == "The Indie Maker Ebook")).one()
        collector = s.exec(select(User).where(User.email == COLLECTOR_EMAIL)).one()
        fulfilment = s.exec(
            select(Fulfilment).where(Fulfilment.product_id == product.id, Fulfilment.buyer_id == collector.id)
        ).one()
        reference = s.get_one(Order, fulfilment.order_id).reference
        file = s.exec(select(ProductFile).where(ProductFile.product_id == product.id)).first()
        line_id, blob_key = fulfilment.order_line_id, file.blob_key
    original, marked = tmp_path / "original.pdf", tmp_path / "marked.pdf"
    with _app_store(app).open(blob_key) as blob:
        original.write_bytes(blob.read())
    key = payload.mark_key(DEFAULT_SECRET_KEY)  # the app under test runs with the default secret
    formats.mark_file(formats.Kind.PDF, original, marked, payload.make(key, line_id), key)
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(marked.read_bytes())))
    writer.add_metadata({"/Producer": "another tool"})
    leaked = tmp_path / "found-online.pdf"
    with leaked.open("wb") as out:
        writer.write(out)
    return str(leaked), reference


def test_the_seller_traces_a_resaved_pdf_to_the_purchase(app, page, tmp_path):
    leaked, reference = _leaked_copy(app, tmp_path)
    sign_in(page, SELLER_EMAIL, DEMO_PASSWORD)
    page.goto("/seller/leaks")
    expect(page.get_by_role("heading", name="Leak tracer")).to_be_visible()
    expect(page.locator("#not-drm")).to_contain_text("not studio-grade DRM")
    page.locator("#leak-upload input[type=file]").set_input_files(leaked)
    page.locator("#trace-submit").click()
    expect(page.locator("#trace-verdict")).to_contain_text(f"This copy was sold with order {reference}.")
    expect(page.locator("#traced-order")).to_have_text(reference)
    expect(page.locator("#traced-access")).to_have_text("Can still download")
    expect(page.locator("#trace-confidence")).to_contain_text("Verified in")
    expect(page.locator("#trace-layers")).to_contain_text("PDF page content")


def test_the_seller_chooses_an_invisible_mark_for_a_product(app, page):
    with unit_of_work(_app_database(app)) as s:
        product_id = s.exec(select(Product).where(Product.title == "The Indie Maker Ebook")).one().id
    sign_in(page, SELLER_EMAIL, DEMO_PASSWORD)
    try:
        page.goto(f"/seller/delivery/{product_id}")
        choice = page.get_by_label("What each buyer's copy carries")
        expect(choice).to_have_value("none")
        choice.select_option("mark")
        page.locator("#delivery-settings-submit").click()
        expect(page.locator("#delivery-settings-notice")).to_have_text("Download settings saved.")
        page.reload()
        expect(page.get_by_label("What each buyer's copy carries")).to_have_value("mark")
        expect(page.locator("#leak-tracer-link")).to_be_visible()
        expect(page.locator("#online-only-note")).to_contain_text("not studio-grade DRM")
    finally:
        # Other browser tests download this ebook: give them back the original file.
        with unit_of_work(_app_database(app)) as s:
            policy = s.get(DeliveryPolicy, product_id)
            if policy is not None:
                policy.protection = Protection.NONE
                s.add(policy)
