"""A seller publishes a product from the studio on a phone; an admin approves it
(through the service: the admin screens come with the moderation issue); a buyer
on a phone finds it on the home page and opens its page."""

import uuid

from PIL import Image
from playwright.sync_api import expect
from sqlmodel import select

from commerce.actor import Actor
from commerce.catalog import products
from commerce.db import engine_for, unit_of_work
from commerce.demo import ADMIN_EMAIL
from commerce.models import Product, User, UserRole
from tests.fixtures.browser import sign_up, upload_files


def approve_in_app_database(app, title: str) -> None:
    """What an admin's approve button will do: the moderation service, on the app's database."""
    engine = engine_for(f"sqlite:///{app.data_dir / 'marketplace.db'}")
    with unit_of_work(engine) as s:
        admin = s.exec(select(User).where(User.email == ADMIN_EMAIL)).one()
        product = s.exec(select(Product).where(Product.title == title)).one()
        products.approve_product(s, Actor(user_id=admin.id, role=UserRole.ADMIN), product.id)


def cover_png(path) -> None:
    image = Image.new("RGB", (1200, 900), "#1e3a8a")
    image.paste(Image.new("RGB", (600, 450), "#ff6b6b"), (300, 225))
    image.save(path, "PNG")


def test_seller_publishes_admin_approves_buyer_sees_it_on_a_phone(app, new_page, tmp_path):
    suffix = uuid.uuid4().hex[:6]
    title = f"Field Guide {suffix}"
    shop_slug = f"guides-{suffix}"

    seller = new_page("phone")
    sign_up(seller, f"seller-{suffix}@example.com", name="Grace Seller")
    seller.goto("/account")
    seller.locator("#shop-name").fill("Field Guides")
    seller.locator("#shop-slug").fill(shop_slug)
    seller.locator("#shop-submit").click()
    expect(seller.locator("#account-studio")).to_be_visible()

    seller.goto("/seller")
    seller.locator("#new-product-title").fill(title)
    seller.locator("#new-product-price").fill("12.50")
    seller.locator("#new-product-submit").click()
    expect(seller.locator("#editor-title")).to_have_text(title)
    expect(seller.locator("#product-status")).to_have_text("Draft")
    expect(seller.locator("#publish-problems")).to_contain_text("Add a cover image")

    seller.locator("#edit-summary").fill("Everything about field guides, in one PDF.")
    seller.locator("#edit-description").fill("## Inside\n\n* 12 chapters\n\n<script>alert(1)</script>")
    seller.locator("#details-submit").click()
    expect(seller.locator("#details-notice")).to_be_visible()
    expect(seller.locator("#description-preview h2")).to_have_text("Inside")

    cover = tmp_path / "cover.png"
    cover_png(cover)
    seller.locator("#cover-upload input[type=file]").set_input_files(str(cover))
    seller.locator("#cover-upload-submit").click()
    expect(seller.locator("#cover-image")).to_be_visible()

    book = tmp_path / "field-guide.pdf"
    book.write_bytes(b"%PDF-1.4\n% a field guide\n" + b"x" * 50_000)
    upload_files(seller, book)
    expect(seller.locator("[data-testid=product-file]")).to_contain_text("field-guide.pdf")
    expect(seller.locator("[data-testid=product-file]")).to_contain_text("application/pdf")
    expect(seller.locator("#publish-problems")).to_have_count(0)

    seller.locator("#publish-button").click()
    expect(seller.locator("#product-status")).to_have_text("In review")

    approve_in_app_database(app, title)

    buyer = new_page("phone")
    buyer.goto("/")
    card = buyer.locator("[data-testid=product-card]", has_text=title)
    expect(card).to_be_visible()
    expect(card).to_contain_text("$12.50")
    card.click()
    expect(buyer).to_have_url(app.url(f"/p/{shop_slug}/field-guide-{suffix}"))
    expect(buyer.locator("#product-title")).to_have_text(title)
    expect(buyer.locator("#product-buy")).to_contain_text("$12.50")
    expect(buyer.locator("#product-files")).to_contain_text("field-guide.pdf")
    expect(buyer.locator("#product-description h2")).to_have_text("Inside")
    assert buyer.locator("#product-description script").count() == 0
    image = buyer.locator("#product-image")
    expect(image).to_be_visible()
    assert buyer.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0
    expect(buyer).to_have_title(f"{title} · Marketplace")
    og_title = buyer.locator("meta[property='og:title']")
    assert og_title.get_attribute("content") == title
    # The page fits a phone: nothing wider than the screen.
    assert buyer.evaluate("document.documentElement.scrollWidth") <= 390
