"""A seller adds a webhook endpoint in the studio, publishes a product in another tab, and
sees the delivery (status, attempt, payload) arrive on the open page, as the receiver got
and verified it with the secret the page showed; then deletes the endpoint. At a phone and
a desktop viewport."""

from __future__ import annotations

import io
import uuid

from PIL import Image
from playwright.sync_api import expect
from sqlmodel import select

from commerce.actor import Actor
from commerce.catalog import images, keys, products
from commerce.config import DEFAULT_SECRET_KEY, load_settings
from commerce.db import engine_for, unit_of_work
from commerce.demo import DEMO_PASSWORD
from commerce.models import DeliveryKind, KeySource, Shop, User
from commerce.storage import LocalBlobStore
from tests.fixtures.browser import sign_in

SELLER_EMAIL = "alan@demo.market"


def _publishable_draft(app, title: str) -> int:
    """A license-key product with a cover: everything publishing asks for, not yet published."""
    store = LocalBlobStore(
        app.data_dir / "storage", DEFAULT_SECRET_KEY, encryption_key=load_settings({}).blob_encryption_key
    )
    cover = io.BytesIO()
    Image.new("RGB", (800, 600), "#334155").save(cover, "PNG")
    cover.seek(0)
    with unit_of_work(engine_for(f"sqlite:///{app.data_dir / 'marketplace.db'}")) as s:
        owner = s.exec(select(User).where(User.email == SELLER_EMAIL)).one()
        shop = s.exec(select(Shop).where(Shop.owner_id == owner.id)).one()
        seller = Actor(user_id=owner.id, role=owner.role, shop_id=shop.id)
        draft = products.create_product(s, seller, title=title, price="9.00", delivery_kind=DeliveryKind.KEYS)
        keys.set_license_policy(s, seller, draft.id, source=KeySource.GENERATED, prefix="HOOK")
        images.set_cover(s, seller, draft.id, cover, store=store)
        return draft.id


def test_a_seller_adds_an_endpoint_and_sees_a_signed_delivery(app, page, new_page, receiver):
    title = f"Hooked Tool {uuid.uuid4().hex[:6]}"
    product_id = _publishable_draft(app, title)
    url = f"{receiver.url}/{uuid.uuid4().hex[:8]}"
    sign_in(page, SELLER_EMAIL, DEMO_PASSWORD)
    page.goto("/seller/webhooks")
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
    page.locator("#webhook-url").fill(url)
    page.locator("#webhook-description").fill("Inventory sync")
    page.locator("#event-product-published").check()
    page.locator("#webhook-submit").click()
    expect(page.locator("#webhook-notice")).to_contain_text("Endpoint added")
    secret = page.locator("#webhook-secret").inner_text().strip()
    assert secret.startswith("whsec_")
    card = page.locator("[data-testid=webhook-endpoint]", has_text=url)
    expect(card).to_contain_text("product.published")
    expect(card).to_contain_text("Inventory sync")

    card.get_by_role("button", name="Deliveries").click()
    expect(page.locator("[data-testid=webhook-delivery]")).to_have_count(0)

    # Published from another tab: the delivery shows up on this page without a reload.
    studio = new_page()
    sign_in(studio, SELLER_EMAIL, DEMO_PASSWORD)
    studio.goto(f"/seller/products/{product_id}")
    studio.locator("#publish-button").click()
    expect(studio.locator("#publish-button")).to_have_count(0)
    page.bring_to_front()
    delivery = page.locator("[data-testid=webhook-delivery]").first
    expect(delivery).to_contain_text("product.published", timeout=20_000)
    expect(delivery).to_contain_text("delivered")
    expect(delivery.locator("[data-testid=webhook-attempt]")).to_contain_text("Attempt 1 · HTTP 204")
    delivery.get_by_text("Payload").click()
    expect(delivery).to_contain_text(title)

    [received] = [r for r in receiver.requests if r.path == url.removeprefix(f"http://127.0.0.1:{receiver.port}")]
    payload = received.verified(secret)
    assert payload["type"] == "product.published"
    assert payload["data"]["product"]["title"] == title
    expect(delivery).to_contain_text(received.id)

    # Deleting asks first; keeping it changes nothing, confirming removes it for good.
    card = page.locator("[data-testid=webhook-endpoint]", has_text=url)
    card.get_by_test_id("webhook-delete").click()
    page.get_by_role("button", name="Keep it").click()
    expect(card).to_be_visible()
    card.get_by_test_id("webhook-delete").click()
    page.get_by_test_id("webhook-delete-confirm").click()
    expect(page.locator("#webhook-notice")).to_contain_text("Endpoint deleted")
    expect(page.locator("[data-testid=webhook-endpoint]", has_text=url)).to_have_count(0)
    page.reload()
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
    expect(page.locator("[data-testid=webhook-endpoint]", has_text=url)).to_have_count(0)
