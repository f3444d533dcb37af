"""What shop, product and category addresses answer before any script runs: unknown ones
are not found, a suspended shop (and its products) unavailable, drafts only for their seller."""

from __future__ import annotations

import pytest
from sqlmodel import select

from commerce.catalog import queries
from commerce.catalog.queries import PageAnswer, ShopUnavailable, page_answer
from commerce.errors import NotFound
from commerce.kit.time import utcnow
from commerce.models import Category, ProductStatus


@pytest.fixture
def listed(world):
    shop = world.shop()
    return shop, world.product(shop, 900)


def test_known_addresses_are_found_and_unknown_ones_are_not(world, listed):
    shop, product = listed
    category = world.s.exec(select(Category)).first()
    assert page_answer(world.s, category=category.slug) == PageAnswer.FOUND
    assert page_answer(world.s, category="no-such-category") == PageAnswer.NOT_FOUND
    assert page_answer(world.s, shop=shop.slug) == PageAnswer.FOUND
    assert page_answer(world.s, shop="no-such-shop") == PageAnswer.NOT_FOUND
    assert page_answer(world.s, shop=shop.slug, product=product.slug) == PageAnswer.FOUND
    assert page_answer(world.s, shop=shop.slug, product="no-such-product") == PageAnswer.NOT_FOUND
    assert page_answer(world.s, shop="no-such-shop", product=product.slug) == PageAnswer.NOT_FOUND


def test_a_draft_is_found_only_by_its_seller_and_admins(world, listed):
    shop, product = listed
    product.status = ProductStatus.DRAFT
    world.s.add(product)
    world.s.flush()
    assert page_answer(world.s, shop=shop.slug, product=product.slug) == PageAnswer.NOT_FOUND
    stranger = world.buyer_actor(world.user())
    assert page_answer(world.s, shop=shop.slug, product=product.slug, viewer=stranger) == PageAnswer.NOT_FOUND
    seller = world.seller_actor(shop)
    assert page_answer(world.s, shop=shop.slug, product=product.slug, viewer=seller) == PageAnswer.FOUND
    admin = world.admin_actor()
    assert page_answer(world.s, shop=shop.slug, product=product.slug, viewer=admin) == PageAnswer.FOUND


def test_a_suspended_shop_is_unavailable_not_missing(world, listed):
    shop, product = listed
    shop.suspended_at = utcnow()
    world.s.add(shop)
    world.s.flush()
    assert page_answer(world.s, shop=shop.slug) == PageAnswer.UNAVAILABLE
    assert page_answer(world.s, shop=shop.slug, product=product.slug) == PageAnswer.UNAVAILABLE
    with pytest.raises(ShopUnavailable, match="unavailable") as refused:
        queries.shop_page(world.s, shop.slug)
    assert "does not exist" not in refused.value.message
    with pytest.raises(ShopUnavailable, match="its shop is unavailable"):
        queries.product_page(world.s, shop.slug, product.slug)
    with pytest.raises(NotFound, match="does not exist"):
        queries.shop_page(world.s, "no-such-shop")
