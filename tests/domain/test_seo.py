"""What crawlers and link previews read: a page's head data (title, description, picture,
schema.org Product/Offer/AggregateRating) and the sitemap's live addresses."""

from __future__ import annotations

import pytest
from sqlmodel import select

from commerce.catalog.queries import ShopUnavailable
from commerce.errors import NotFound
from commerce.kit.time import utcnow
from commerce.models import Category, DeliveryKind, ModerationStatus, PricingMode, ProductStatus, Review
from commerce.seo import sitemap
from commerce.seo.head import IN_STOCK, OUT_OF_STOCK, absolute, page_head
from commerce.seo.sitemap import SitemapKind


@pytest.fixture
def listed(world):
    shop = world.shop()
    category = world.s.exec(select(Category)).first()
    product = world.product(shop, 1250, title='Fonts "Deluxe" </script><b>')
    product.summary = "Twelve display fonts for posters."
    product.category_id = category.id
    product.cover_key = "media/covers/deluxe.png"
    world.s.add(product)
    world.s.flush()
    return shop, category, product


def test_a_product_head_carries_its_offer_and_picture(world, listed):
    shop, category, product = listed
    head = page_head(world.s, shop=shop.slug, product=product.slug)
    assert head.title == product.title
    assert head.description == "Twelve display fonts for posters."
    assert head.path == f"/p/{shop.slug}/{product.slug}"
    assert head.og_type == "product"
    assert head.image_path.endswith("deluxe.png")
    assert not head.noindex
    data = head.structured_data
    assert data["@type"] == "Product"
    assert data["name"] == product.title
    assert data["category"] == category.name
    assert data["brand"]["name"] == shop.name
    assert data["offers"] == {
        "@type": "Offer",
        "url": head.path,
        "price": "12.50",
        "priceCurrency": "USD",
        "availability": IN_STOCK,
        "seller": {"@type": "Organization", "name": shop.name, "url": f"/s/{shop.slug}"},
    }
    # No reviews, no rating (an empty AggregateRating is an error for search engines).
    assert "aggregateRating" not in data
    full = absolute(data, "https://shop.example")
    assert full["url"] == f"https://shop.example/p/{shop.slug}/{product.slug}"
    assert full["image"][0].startswith("https://shop.example/api/media/")
    assert full["name"] == product.title  # only URLs change


def test_a_rating_appears_once_there_are_visible_reviews(world, listed):
    shop, _, product = listed
    for stars in (5, 4, 4):
        world.s.add(Review(product_id=product.id, buyer_id=world.user().id, rating=stars))
    world.s.add(Review(product_id=product.id, buyer_id=world.user().id, rating=1, hidden_at=utcnow()))
    world.s.flush()
    rating = page_head(world.s, shop=shop.slug, product=product.slug).structured_data["aggregateRating"]
    assert rating == {
        "@type": "AggregateRating",
        "ratingValue": 4.3,
        "reviewCount": 3,
        "bestRating": 5,
        "worstRating": 1,
    }


def test_pay_what_you_want_offers_its_minimum_and_sold_out_is_out_of_stock(world):
    shop = world.shop(currency="JPY")
    product = world.product(shop, 500, pricing=PricingMode.PWYW)
    offer = page_head(world.s, shop=shop.slug, product=product.slug).structured_data["offers"]
    assert (offer["price"], offer["priceCurrency"]) == ("500", "JPY")
    # Imported license keys, none left.
    keys = world.product(shop, 900)
    keys.delivery_kind = DeliveryKind.KEYS
    world.s.add(keys)
    world.s.flush()
    offer = page_head(world.s, shop=shop.slug, product=keys.slug).structured_data["offers"]
    assert offer["availability"] == OUT_OF_STOCK


def test_a_preview_is_not_for_indexing_and_strangers_get_no_head(world, listed):
    shop, _, product = listed
    product.status = ProductStatus.DRAFT
    world.s.add(product)
    world.s.flush()
    with pytest.raises(NotFound):
        page_head(world.s, shop=shop.slug, product=product.slug)
    assert page_head(world.s, shop=shop.slug, product=product.slug, viewer=world.seller_actor(shop)).noindex


def test_shop_and_category_heads_list_their_products(world, listed):
    shop, category, product = listed
    for head in (page_head(world.s, shop=shop.slug), page_head(world.s, category=category.slug)):
        assert head.og_type == "website"
        assert head.image_path.endswith("deluxe.png")
        listing = head.structured_data
        assert listing["@type"] == "CollectionPage"
        items = listing["mainEntity"]["itemListElement"]
        assert {"@type": "ListItem", "position": 1, "url": f"/p/{shop.slug}/{product.slug}", "name": product.title} in (
            items
        )
    assert page_head(world.s, shop=shop.slug).title == shop.name
    assert page_head(world.s, category=category.slug).title == category.name
    shop.suspended_at = utcnow()
    world.s.add(shop)
    world.s.flush()
    with pytest.raises(ShopUnavailable):
        page_head(world.s, shop=shop.slug)


def _all(s, kind: SitemapKind) -> list[str]:
    paths, after = [], 0
    while batch := sitemap.entries(s, kind, after, batch=2):
        paths += [entry.path for entry in batch]
        after = batch[-1].id
    return paths


def test_the_sitemap_lists_live_pages_only(world, listed):
    shop, category, product = listed
    draft = world.product(shop, 100)
    draft.status = ProductStatus.DRAFT
    pending = world.product(shop, 100)
    pending.moderation_status = ModerationStatus.PENDING
    suspended = world.shop()
    hidden = world.product(suspended, 100)
    suspended.suspended_at = utcnow()
    world.s.add_all([draft, pending, suspended])
    world.s.flush()

    products = _all(world.s, SitemapKind.PRODUCTS)
    assert f"/p/{shop.slug}/{product.slug}" in products
    for unseen in (draft, pending):
        assert f"/p/{shop.slug}/{unseen.slug}" not in products
    assert f"/p/{suspended.slug}/{hidden.slug}" not in products
    shops = _all(world.s, SitemapKind.SHOPS)
    assert f"/s/{shop.slug}" in shops
    assert f"/s/{suspended.slug}" not in shops
    categories = _all(world.s, SitemapKind.CATEGORIES)
    assert f"/c/{category.slug}" in categories
    assert len(categories) == len(world.s.exec(select(Category)).all())
    assert sitemap.total(world.s) == len(products) + len(shops) + len(categories)
    lastmod = sitemap.entries(world.s, SitemapKind.PRODUCTS)[0].modified_at
    assert lastmod is not None


def test_a_large_sitemap_is_cut_into_parts_of_the_limit(world, listed):
    shop, _, _ = listed
    for _ in range(4):
        world.product(shop, 100)
    products = _all(world.s, SitemapKind.PRODUCTS)
    parts = [part for part in sitemap.parts(world.s, limit=2) if part.kind == SitemapKind.PRODUCTS]
    assert [part.number for part in parts] == list(range(1, (len(products) + 1) // 2 + 1))
    seen = []
    for part in parts:
        assert sitemap.part_start(world.s, SitemapKind.PRODUCTS, part.number, limit=2) == part.after_id
        seen += [entry.path for entry in sitemap.entries(world.s, SitemapKind.PRODUCTS, part.after_id, batch=2)]
    assert seen == products
    assert sitemap.part_start(world.s, SitemapKind.PRODUCTS, len(parts) + 1, limit=2) is None
    assert sitemap.part_start(world.s, SitemapKind.PRODUCTS, 0, limit=2) is None
