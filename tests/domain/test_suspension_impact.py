"""Before a seller is suspended the admin is told what happens: the shop, its live products
and what it is owed; asking changes nothing, and only admins may ask."""

from __future__ import annotations

import pytest

from commerce.errors import Conflict, PermissionDenied
from commerce.models import ProductStatus, Shop
from commerce.moderation import users


def test_the_admin_sees_the_shop_its_live_products_and_its_payouts_before_suspending(market):
    shop = market.shop("USD")
    sold = market.product(shop, 2000)
    market.product(shop, 500)
    draft = market.product(shop, 700)
    draft.status = ProductStatus.DRAFT
    market.s.add(draft)
    market.buy(market.user(), sold)
    admin = market.admin_actor()

    impact = users.suspension_impact(market.s, admin, shop.owner_id)

    assert impact.shop_name == shop.name
    assert impact.live_products == 2  # the draft is not live
    (balance,) = impact.balances
    assert balance.endswith("pending and $0.00 available")
    assert market.s.get(Shop, shop.id).suspended_at is None  # asking suspends nothing


def test_a_shop_owed_nothing_says_so_and_a_suspended_one_is_refused(market):
    shop = market.shop()
    admin = market.admin_actor()
    assert users.suspension_impact(market.s, admin, shop.owner_id).balances == []
    users.suspend_seller(market.s, admin, shop.owner_id, reason="fraud")
    with pytest.raises(Conflict, match="suspended already"):
        users.suspension_impact(market.s, admin, shop.owner_id)


def test_only_admins_may_ask(market):
    shop = market.shop()
    with pytest.raises(PermissionDenied):
        users.suspension_impact(market.s, market.seller_actor(shop), shop.owner_id)
