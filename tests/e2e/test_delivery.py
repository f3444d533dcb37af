"""A buyer buys a file product and a license-key product with the test gateway, watches
them arrive in the library by themselves, downloads the file (its bytes checked),
copies the key and validates it through the license API; the seller refunds the order
from the sales page, and the same download link and the same key then fail."""

from __future__ import annotations

import io
import re
import uuid

import httpx
import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlmodel import select

from commerce.actor import Actor
from commerce.catalog import images, keys, products
from commerce.config import DEFAULT_SECRET_KEY, load_settings
from commerce.db import engine_for, unit_of_work
from commerce.demo import ADMIN_EMAIL, COLLECTOR_EMAIL, DEMO_PASSWORD
from commerce.models import DeliveryKind, KeySource, Product, ProductFile, Shop, User, UserRole
from commerce.storage import LocalBlobStore
from tests.fixtures.browser import buy, expect_app_replaces_first_screen, sign_in, sign_up

FILE_PRODUCT = "/p/inkwell-press/the-indie-maker-ebook"
SELLER_EMAIL = "ada@demo.market"


def _app_database(app):
    return engine_for(f"sqlite:///{app.data_dir / 'marketplace.db'}")


def _app_store(app) -> LocalBlobStore:
    # The app's own store: files sealed with the embedded run's derived key.
    return LocalBlobStore(
        app.data_dir / "storage", DEFAULT_SECRET_KEY, encryption_key=load_settings({}).blob_encryption_key
    )


def _cover() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "#0f766e").save(out, "PNG")
    out.seek(0)
    return out


def publish_key_product(app, title: str, seller_email: str = SELLER_EMAIL) -> tuple[int, str]:
    """What the seller does in the studio, through the same services: a generated-key product, live."""
    store = _app_store(app)
    with unit_of_work(_app_database(app)) as s:
        owner = s.exec(select(User).where(User.email == seller_email)).one()
        shop = s.exec(select(Shop).where(Shop.owner_id == owner.id)).one()
        seller = Actor(user_id=owner.id, role=owner.role, shop_id=shop.id)
        view = products.create_product(s, seller, title=title, price="5.00", delivery_kind=DeliveryKind.KEYS)
        keys.set_license_policy(s, seller, view.id, source=KeySource.GENERATED, prefix="E2E", activation_limit=2)
        images.set_cover(s, seller, view.id, _cover(), store=store)
        products.publish_product(s, seller, view.id)
        admin = s.exec(select(User).where(User.email == ADMIN_EMAIL)).one()
        products.approve_product(s, Actor(user_id=admin.id, role=UserRole.ADMIN), view.id)
        return view.id, f"/p/{shop.slug}/{view.slug}"


def file_bytes(app, product_path: str) -> tuple[str, bytes]:
    slug = product_path.rsplit("/", 1)[1]
    with unit_of_work(_app_database(app)) as s:
        product = s.exec(select(Product).where(Product.slug == slug)).one()
        file = s.exec(select(ProductFile).where(ProductFile.product_id == product.id)).first()
        name, key = file.filename, file.blob_key
    with _app_store(app).open(key) as blob:
        return name, blob.read()


def file_product_id(app) -> int:
    slug = FILE_PRODUCT.rsplit("/", 1)[1]
    with unit_of_work(_app_database(app)) as s:
        return s.exec(select(Product.id).where(Product.slug == slug)).one()


def validate(app, product_id: int, key: str) -> dict:
    response = httpx.post(app.url("/api/v1/licenses/validate"), json={"product_id": product_id, "key": key}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("viewport", ["desktop"])
def test_buy_download_copy_key_validate_then_refund_revokes_both(app, page, new_page):
    suffix = uuid.uuid4().hex[:6]
    key_product_id, key_product = publish_key_product(app, f"Render Tool {suffix}")
    filename, expected = file_bytes(app, FILE_PRODUCT)

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_up(page, f"collector-{suffix}@example.com", name="Cleo Collector")
    library_tab = page.context.new_page()
    library_tab.goto("/library")
    expect(library_tab.locator("#library-empty")).to_be_visible()

    reference = buy(page, [FILE_PRODUCT, key_product])

    # The library open in another tab fills in by itself once the payment lands.
    items = library_tab.locator("[data-testid=library-item]")
    expect(items).to_have_count(2, timeout=30_000)
    expect(items.filter(has_text="The Indie Maker Ebook")).to_have_count(1)
    expect(items.filter(has_text=f"Render Tool {suffix}")).to_have_count(1)
    library_tab.close()

    page.goto("/library")
    page.get_by_role("link", name="The Indie Maker Ebook").click()
    expect(page.locator("#library-product-title")).to_have_text("The Indie Maker Ebook")
    with page.expect_download() as download_info:
        page.locator("[data-testid=download-file]").first.click()
    download = download_info.value
    assert download.suggested_filename == filename
    with open(download.path(), "rb") as saved:
        assert saved.read() == expected
    download_url = download.url
    expect(page.locator("#downloads-allowance")).to_have_text("Unlimited downloads")

    page.goto("/library")
    page.get_by_role("link", name=f"Render Tool {suffix}").click()
    key_text = page.locator("[data-testid=license-key-text]")
    expect(key_text).to_contain_text("•••••")
    page.locator("[data-testid=reveal-key]").click()
    expect(key_text).not_to_contain_text("•••••")
    page.locator("[data-testid=copy-key]").click()
    expect(page.locator("#key-notice")).to_have_text("Key copied to the clipboard.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("E2E-")
    assert len(copied.split("-")) == 7
    expect(key_text).to_have_text(copied)
    assert validate(app, key_product_id, copied)["status"] == "valid"

    # The seller sees the download and the sold key, then refunds the order from the sales page.
    seller = new_page("desktop")
    sign_in(seller, SELLER_EMAIL, DEMO_PASSWORD)
    seller.goto(f"/seller/delivery/{file_product_id(app)}")
    expect(seller.locator("#downloads-total")).to_have_text("1 download in total")
    expect(seller.locator("#delivery-downloads")).to_contain_text(f"collector-{suffix}@example.com")
    seller.goto(f"/seller/delivery/{key_product_id}")
    sold = seller.locator("[data-testid=seller-key]")
    expect(sold).to_have_count(1)
    expect(sold).to_contain_text("Active")
    expect(sold).to_contain_text(copied[-4:])
    seller.goto("/seller/sales")
    seller.get_by_role("button", name=f"Refund in full, order {reference}").click()
    seller.get_by_role("alertdialog").get_by_role("button", name="Refund", exact=True).click()
    expect(seller.locator("[data-testid=sale]").filter(has_text=reference)).to_contain_text("Refunded")
    seller.goto(f"/seller/delivery/{key_product_id}")
    expect(seller.locator("[data-testid=seller-key]")).to_contain_text("Revoked")

    refused = page.request.get(download_url)
    assert refused.status == 403
    assert "refunded" in refused.text()
    assert validate(app, key_product_id, copied)["status"] == "revoked"
    page.goto("/library")
    expect(page.locator("#library-empty")).to_be_visible()


def test_the_library_shows_its_rows_before_any_script_runs_and_only_to_its_buyer(app, browser):
    """The served library lists the signed-in buyer's first purchases (storefront.library_head):
    with scripts off they are there to read and open; with scripts, the page's own rows replace
    them; a visitor without the buyer's session gets the page as built."""
    context = browser.new_context(base_url=app.base_url)
    try:
        sign_in(context.new_page(), COLLECTOR_EMAIL, DEMO_PASSWORD)
        buyer = context.storage_state()
    finally:
        context.close()

    context = browser.new_context(base_url=app.base_url, storage_state=buyer, java_script_enabled=False)
    try:
        page = context.new_page()
        answer = page.goto("/library")
        assert answer is not None
        assert answer.headers["cache-control"] == "private, no-store"
        screen = page.locator("#first-paint")
        expect(screen.locator("h1")).to_have_text("Your library")
        served_titles = screen.locator(".fs-title").all_inner_texts()
        assert served_titles
        # The page's spinner beneath the first screen, unseen, stands still.
        assert page.locator(".rt-Spinner").count() > 0
        assert page.evaluate("document.getAnimations().length") == 0
        screen.locator(".fs-title").first.click()
        expect(page).to_have_url(re.compile(r"/library/\d+$"))
    finally:
        context.close()

    expect_app_replaces_first_screen(
        browser,
        "/library",
        "[data-testid=library-item] .library-title",
        served_titles,
        base_url=app.base_url,
        storage_state=buyer,
    )

    context = browser.new_context(base_url=app.base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/library")
        expect(page.locator("#checking-session")).to_be_visible()
        expect(page.locator("#first-paint")).to_have_count(0)
        assert page.evaluate("document.getAnimations().length") > 0  # with nothing over it, it spins
    finally:
        context.close()
