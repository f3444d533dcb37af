"""Builders for the reviews and moderation tests: a small market with paid orders."""

from __future__ import annotations

import pytest
from sqlmodel import select

from commerce.actor import Actor
from commerce.models import Order, Product, Shop, User, WebhookOutcome
from commerce.orders.webhooks import handle_event
from tests.domain.checkout.conftest import World


class Market(World):
    def buy(self, buyer: User, *products: Product) -> Order:
        """`buyer` checks out `products` and pays with the test card; the webhook marks the order paid."""
        result = self.checkout(self.buyer_actor(buyer), list(products), currency=products[0].currency)
        _, event = self.pay(result.order_reference)
        assert handle_event(self.s, event) == WebhookOutcome.PROCESSED
        return self.s.exec(select(Order).where(Order.reference == result.order_reference)).one()

    def seller_of(self, product: Product) -> Actor:
        return self.seller_actor(self.s.get(Shop, product.shop_id))


@pytest.fixture
def market(s) -> Market:
    return Market(s)
