"""Buyer pages and the seller list on both databases: one visibility rule, pagination, previews."""

import io

import pytest
from sqlmodel import select

from commerce.actor import Actor
from commerce.catalog import files, images, keys, products, queries, shared_listings
from commerce.errors import NotFound, PermissionDenied
from commerce.i18n import use_language
from commerce.kit.time import utcnow
from commerce.models import DeliveryKind, DiscountKind, PricingMode, ProductFile, Shop, UserRole
from tests.fixtures.catalog import live_product, make_admin, make_seller, new_product, png_bytes, publishable_product


@pytest.fixture
def catalog(s):
    """Two shops: a live product in Apps, a live one in Fonts, and one of each other state."""
    ada, grace, admin = make_seller(s, "ada"), make_seller(s, "grace"), make_admin(s)
    app = live_product(s, ada, admin, title="Markdown Editor")
    products.update_product(s, ada, app.id, category_slug="software-apps", summary="A fast editor.")
    font = live_product(s, grace, admin, title="Retro Font")
    products.update_product(s, grace, font.id, category_slug="fonts")
    draft = new_product(s, ada, title="Unfinished Draft")
    pending = publishable_product(s, ada, title="Waiting For Review")
    products.publish_product(s, ada, pending.id)
    rejected = publishable_product(s, ada, title="Rejected One")
    products.publish_product(s, ada, rejected.id)
    products.reject_product(s, admin, rejected.id, reason="Broken file.")
    archived = live_product(s, ada, admin, title="Old Stuff")
    products.archive_product(s, ada, archived.id)
    return {
        "ada": ada,
        "grace": grace,
        "admin": admin,
        "app": app,
        "font": font,
        "draft": draft,
        "pending": pending,
        "rejected": rejected,
        "archived": archived,
    }


def titles(page):
    return [card.title for card in page.items]


def test_home_shows_only_live_products_newest_first_and_categories_with_products(s, catalog):
    home = queries.home_page(s)
    assert titles(home.newest) == ["Retro Font", "Markdown Editor"]
    assert [(c.slug, c.product_count) for c in home.categories] == [("software", 1), ("fonts", 1)]
    card = home.newest.items[1]
    assert (card.url, card.shop_name, card.price_label, card.category_name) == (
        "/p/ada/markdown-editor",
        "Ada",
        "$19.00",
        "Apps",
    )
    assert card.cover_url.startswith("/api/media/images/")


def test_suspending_a_shop_hides_its_products_everywhere(s, catalog):
    s.get(Shop, catalog["ada"].shop_id).suspended_at = utcnow()
    s.flush()
    assert titles(queries.home_page(s).newest) == ["Retro Font"]
    assert queries.list_home_products(s) == queries.home_page(s).newest.items
    with pytest.raises(NotFound):
        queries.shop_page(s, "ada")
    with pytest.raises(NotFound):
        queries.product_page(s, "ada", "markdown-editor")
    assert titles(queries.category_page(s, "software").products) == []


def test_pagination(s):
    seller, admin = make_seller(s), make_admin(s)
    for n in range(5):
        live_product(s, seller, admin, title=f"Product {n}")
    first = queries.home_page(s, per_page=2)
    assert (titles(first.newest), first.newest.total, first.newest.page_count) == (["Product 4", "Product 3"], 5, 3)
    assert (first.newest.has_previous, first.newest.has_next) == (False, True)
    last = queries.shop_page(s, "inkwell", page=3, per_page=2).products
    assert (titles(last), last.has_next, last.has_previous) == (["Product 0"], False, True)
    beyond = queries.shop_page(s, "inkwell", page=99, per_page=2).products
    assert beyond.items == []
    assert beyond.page == 99
    assert queries.shop_page(s, "inkwell", page=-4, per_page=10_000).products.per_page == 100


def test_category_page_includes_sub_categories(s, catalog):
    page = queries.category_page(s, "software")
    assert titles(page.products) == ["Markdown Editor"]
    assert [(c.slug, c.product_count) for c in page.children] == [("software-apps", 1), ("software-plugins", 0)]
    child = queries.category_page(s, "software-apps")
    assert child.parent.slug == "software"
    assert titles(child.products) == ["Markdown Editor"]
    with pytest.raises(NotFound):
        queries.category_page(s, "no-such-category")


def test_listing_descriptions_speak_the_readers_language(s, catalog):
    assert queries.category_page(s, "software-apps").meta_description == (
        "1 digital product in Apps: instant download after purchase."
    )
    s.exec(select(Shop).where(Shop.slug == "grace")).one().bio = ""  # no bio: the page describes itself
    with use_language("de"):
        category = queries.category_page(s, "software-apps", lang="de")
        shop = queries.shop_page(s, "grace", lang="de")
    assert category.meta_description.startswith("1 digitales Produkt in ")
    assert category.meta_description.endswith(": sofortiger Download nach dem Kauf.")
    assert shop.meta_description == "Digitale Produkte von Grace."


def test_shop_page_shows_profile_and_live_products(s, catalog):
    page = queries.shop_page(s, "ada")
    assert (page.name, page.bio) == ("Ada", "ada bio")
    assert titles(page.products) == ["Markdown Editor"]


def test_product_page_shows_what_a_buyer_needs(s, catalog):
    ada = catalog["ada"]
    products.update_product(s, ada, catalog["app"].id, description="## Features\n\n**Fast**", tags="editor, markdown")
    images.add_gallery_image(s, ada, catalog["app"].id, io.BytesIO(png_bytes(900, 600)))
    page = queries.product_page(s, "ada", "markdown-editor")
    assert (page.title, page.shop_name, page.shop_url, page.category_name, page.category_url) == (
        "Markdown Editor",
        "Ada",
        "/s/ada",
        "Apps",
        "/c/software-apps",
    )
    assert "<strong>Fast</strong>" in page.description_html
    assert page.tags == ["editor", "markdown"]
    assert (page.pricing, page.price_label, page.minimum_input) == (PricingMode.FIXED, "$19.00", "")
    assert page.cover.url_1600 == page.og_image_path
    assert len(page.gallery) == 1
    assert (page.delivery_label, page.version_label) == ("Downloadable files", "1")
    assert [(f.filename, f.size_label) for f in page.files] == [("book.pdf", "20 bytes")]
    assert page.meta_description == "A fast editor."
    assert not page.sold_out
    assert not page.is_preview


def test_pay_what_you_want_shows_the_minimum(s, catalog):
    products.set_pricing(s, catalog["ada"], catalog["app"].id, pricing=PricingMode.PWYW, price="4.99")
    page = queries.product_page(s, "ada", "markdown-editor")
    assert (page.price_label, page.minimum_input) == ("$4.99+", "4.99")


@pytest.mark.parametrize("name", ["draft", "pending", "rejected", "archived"])
def test_hidden_products_are_not_found_by_buyers_but_previewed_by_their_seller(s, catalog, name):
    slug = catalog[name].slug
    for viewer in (
        None,
        Actor.anonymous(),
        Actor(user_id=catalog["grace"].user_id, role=UserRole.SELLER, shop_id=catalog["grace"].shop_id),
    ):
        with pytest.raises(NotFound):
            queries.product_page(s, "ada", slug, viewer=viewer)
    preview = queries.product_page(s, "ada", slug, viewer=catalog["ada"])
    assert preview.is_preview
    assert queries.product_page(s, "ada", slug, viewer=catalog["admin"]).is_preview


def test_seller_list_filters_by_status_and_searches_titles(s, catalog):
    ada = catalog["ada"]

    def listed(**kwargs):
        return [(row.title, row.status_label) for row in queries.list_seller_products(s, ada, **kwargs).items]

    assert sorted(listed()) == sorted(
        [
            ("Markdown Editor", "Live"),
            ("Unfinished Draft", "Draft"),
            ("Waiting For Review", "In review"),
            ("Rejected One", "Rejected"),
        ]
    )
    assert listed(status="archived") == [("Old Stuff", "Archived")]
    assert listed(status="in_review") == [("Waiting For Review", "In review")]
    assert listed(status="rejected") == [("Rejected One", "Rejected")]
    assert len(listed(status="all")) == 5
    assert listed(search="markdown EDIT") == [("Markdown Editor", "Live")]
    assert listed(search="100%_") == []
    row = queries.list_seller_products(s, ada, status="rejected").items[0]
    assert row.rejection_reason == "Broken file."
    # Another seller's products never appear; buyers have no list.
    assert [r.title for r in queries.list_seller_products(s, catalog["grace"]).items] == ["Retro Font"]
    with pytest.raises(PermissionDenied):
        queries.list_seller_products(s, Actor(user_id=1, role=UserRole.BUYER))


def test_key_product_page_shows_sold_out(s):
    seller, admin = make_seller(s), make_admin(s)
    product = new_product(s, seller, title="Pro License", delivery_kind=DeliveryKind.BOTH)
    images.set_cover(s, seller, product.id, io.BytesIO(png_bytes()))
    files.upload_file(s, seller, product.id, io.BytesIO(b"installer"), filename="setup.bin")
    keys.import_license_keys(s, seller, product.id, "KEY-1")
    products.publish_product(s, seller, product.id)
    products.approve_product(s, admin, product.id)
    page = queries.product_page(s, "inkwell", "pro-license")
    assert (page.delivers_files, page.delivers_keys, page.sold_out) == (True, True, False)
    assert page.delivery_label == "Downloadable files and a license key"


def test_demo_products_are_live_with_a_cover_and_a_real_file(s, store):
    from commerce.demo import seed_demo

    assert seed_demo(s)
    home = queries.home_page(s, per_page=100)
    assert home.newest.total == 30
    page = queries.product_page(s, "inkwell-press", "the-indie-maker-ebook")
    assert page.cover is not None
    assert page.cover.url_800.startswith("/api/media/covers/")
    (file,) = page.files
    assert file.filename == "the-indie-maker-ebook.pdf"
    assert file.content_type == "application/pdf"
    row = s.exec(select(ProductFile)).first()
    assert store.open(row.blob_key).read(5) == b"%PDF-"
    shop = s.exec(select(Shop).where(Shop.slug == "inkwell-press")).one()
    ada = Actor(user_id=shop.owner_id, role=UserRole.SELLER, shop_id=shop.id)
    assert queries.list_seller_products(s, ada).total == 10

    # The demo discount code, added once, and again by a later run if it went missing.
    from commerce.models import DiscountCode

    def welcome_codes():
        return s.exec(select(DiscountCode).where(DiscountCode.code == "WELCOME10")).all()

    (code,) = welcome_codes()
    assert (code.shop_id, code.kind, code.percent_bps) == (shop.id, DiscountKind.PERCENT, 1000)
    assert not seed_demo(s)
    assert len(welcome_codes()) == 1
    s.delete(code)
    s.flush()
    assert not seed_demo(s)
    assert len(welcome_codes()) == 1


def test_a_product_change_makes_the_shared_home_listing_stale_once_committed(s, catalog):
    before = shared_listings.generation()
    products.update_product(s, catalog["ada"], catalog["app"].id, summary="Faster than before.")
    assert shared_listings.generation() == before  # other tabs keep theirs until it commits
    s.commit()
    assert shared_listings.generation() != before
