"""Builders for the checkout tests: people, shops, products and the test gateway."""

from __future__ import annotations

import itertools

import pytest

from commerce.actor import Actor
from commerce.kit.time import utcnow
from commerce.models import ModerationStatus, PricingMode, Product, ProductStatus, Shop, User, UserRole
from commerce.orders.cart import CartSettings
from commerce.orders.checkout import start_checkout
from commerce.orders.pricing import CartInput
from commerce.payments.testpay import TestPayGateway

_ids = itertools.count(1)


class World:
    def __init__(self, s):
        self.s = s
        self.sent_events = []
        self.gateway = TestPayGateway("checkout-tests-secret", "http://shop.test", send_event=self.sent_events.append)

    def user(self, role: UserRole = UserRole.BUYER, email: str | None = None) -> User:
        n = next(_ids)
        user = User(email=email or f"user{n}@example.com", display_name=f"User {n}", password_hash="!", role=role)
        self.s.add(user)
        self.s.flush()
        return user

    def shop(self, currency: str = "USD", take_rate_bps: int = 500) -> Shop:
        owner = self.user(UserRole.SELLER)
        n = next(_ids)
        shop = Shop(
            owner_id=owner.id, slug=f"shop-{n}", name=f"Shop {n}", currency=currency, take_rate_bps=take_rate_bps
        )
        self.s.add(shop)
        self.s.flush()
        return shop

    def product(
        self, shop: Shop, price: int, *, pricing: PricingMode = PricingMode.FIXED, title: str | None = None
    ) -> Product:
        n = next(_ids)
        product = Product(
            shop_id=shop.id,
            slug=f"p-{n}",
            title=title or f"Product {n}",
            pricing=pricing,
            price_amount=price,
            currency=shop.currency,
            status=ProductStatus.PUBLISHED,
            moderation_status=ModerationStatus.APPROVED,
            published_at=utcnow(),
        )
        self.s.add(product)
        self.s.flush()
        return product

    @staticmethod
    def buyer_actor(user: User) -> Actor:
        return Actor(user_id=user.id, role=UserRole.BUYER)

    @staticmethod
    def seller_actor(shop: Shop) -> Actor:
        return Actor(user_id=shop.owner_id, role=UserRole.SELLER, shop_id=shop.id)

    def admin_actor(self) -> Actor:
        return Actor(user_id=self.user(UserRole.ADMIN).id, role=UserRole.ADMIN)

    def checkout(self, actor: Actor, products, *, code=None, country=None, currency=None, email=None):
        items = [p if isinstance(p, CartInput) else CartInput(p.id) for p in products]
        return start_checkout(
            self.s,
            actor,
            self.gateway,
            items=items,
            settings=CartSettings(code, country, currency),
            email=email,
            base_url="http://shop.test",
        )

    def pay(self, order_reference: str, card: str = "4242 4242 4242 4242"):
        """Pay on the TestPay page and return the signed webhook event, parsed."""
        from sqlmodel import select

        from commerce.models import Order

        order = self.s.exec(select(Order).where(Order.reference == order_reference)).one()
        attempt = self.gateway.pay(order.payment_session_id, card)
        return attempt, self.gateway.parse_webhook(attempt.webhook.payload, attempt.webhook.headers)


@pytest.fixture
def world(s):
    return World(s)
