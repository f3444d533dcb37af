"""Paid and not delivered: the embedded database cannot oversell, and a paid line that
cannot be fulfilled is never silent.

- Twenty buyers race for a product with three imported keys, each checkout in its own
  thread and transaction, on SQLite (the embedded default) and PostgreSQL: exactly three
  orders are placed, and each paid one gets a key.
- A discount code limited to one use, redeemed by twenty checkouts at once: one order.
- A payment that lands after its hold on the last key ran out: the line is refunded at
  once, the order is flagged, the buyer gets an email saying so, the seller an in-app
  notice, and the admin queue lists it. No job is left failing.
"""

from __future__ import annotations

import os

from sqlmodel import select

from commerce.actor import Actor
from commerce.db import unit_of_work
from commerce.errors import Conflict, ValidationError
from commerce.kit.time import utcnow
from commerce.models import (
    DeliveryKind,
    DeliveryProblem,
    DiscountCode,
    KeyStatus,
    LicenseKey,
    ModerationStatus,
    Notification,
    Order,
    OrderStatus,
    Product,
    ProductStatus,
    Refund,
    Shop,
    User,
    UserRole,
    WebhookOutcome,
)
from commerce.moderation import queue
from commerce.orders import discounts
from commerce.orders.cart import CartSettings
from commerce.orders.checkout import start_checkout
from commerce.orders.pricing import CartInput
from commerce.orders.webhooks import handle_event
from commerce.payments.testpay import TestPayGateway
from tests.domain.delivery.test_fulfilment import _paid_after_the_last_key_was_sold
from tests.fixtures.adapters import emails_in
from tests.fixtures.databases import run_together

GATEWAY = TestPayGateway("race-tests-secret", "http://shop.test", send_event=lambda delivery: None)
BUYERS = 20


def _shop_with_product(keys: int) -> tuple[int, int, list[int]]:
    """(shop owner id, product id, twenty buyer ids): a published product selling `keys` imported keys."""
    with unit_of_work() as s:
        seller = User(email=f"seller-{os.urandom(4).hex()}@example.com", display_name="Seller", password_hash="!")
        seller.role = UserRole.SELLER
        s.add(seller)
        s.flush()
        shop = Shop(owner_id=seller.id, slug=f"shop-{seller.id}", name="Shop")
        s.add(shop)
        s.flush()
        product = Product(
            shop_id=shop.id,
            slug="tool",
            title="Tool",
            price_amount=1500,
            status=ProductStatus.PUBLISHED,
            moderation_status=ModerationStatus.APPROVED,
            published_at=utcnow(),
            delivery_kind=DeliveryKind.KEYS,
        )
        s.add(product)
        s.flush()
        for n in range(keys):
            s.add(LicenseKey(product_id=product.id, ciphertext=b"sealed", lookup_hash=f"key-{product.id}-{n}"))
        buyers = []
        for n in range(BUYERS):
            buyer = User(email=f"racer-{n}-{os.urandom(3).hex()}@example.com", display_name="Racer", password_hash="!")
            s.add(buyer)
            s.flush()
            buyers.append(buyer.id)
        return seller.id, product.id, buyers


def _checkout(buyer_id: int, product_id: int, code: str | None = None) -> str:
    try:
        with unit_of_work() as s:
            return start_checkout(
                s,
                Actor(user_id=buyer_id, role=UserRole.BUYER),
                GATEWAY,
                items=[CartInput(product_id)],
                settings=CartSettings(code, None, "USD"),
                base_url="http://shop.test",
            ).order_reference
    except (Conflict, ValidationError) as refused:
        return refused.message


def test_twenty_buyers_three_keys_three_orders_each_delivered(committed_engine, jobs):
    _, product_id, buyers = _shop_with_product(keys=3)

    outcomes = run_together(lambda buyer: _checkout(buyer, product_id), buyers)

    placed = [outcome for outcome in outcomes if outcome.startswith("ORD-")]
    assert len(placed) == 3
    assert all("sold out" in outcome for outcome in outcomes if outcome not in placed)
    for reference in placed:
        with unit_of_work() as s:
            order = s.exec(select(Order).where(Order.reference == reference)).one()
            attempt = GATEWAY.pay(order.payment_session_id, "4242 4242 4242 4242")
            event = GATEWAY.parse_webhook(attempt.webhook.payload, attempt.webhook.headers)
            assert handle_event(s, event) == WebhookOutcome.PROCESSED
    with unit_of_work() as s:
        assert len(s.exec(select(Order)).all()) == 3
        paid = s.exec(select(Order).where(Order.status == OrderStatus.PAID)).all()
        sold = s.exec(select(LicenseKey).where(LicenseKey.status == KeyStatus.SOLD)).all()
        assert len(paid) == 3
        assert sorted(key.buyer_id for key in sold) == sorted(order.buyer_id for order in paid)
        assert s.exec(select(DeliveryProblem)).all() == []
    assert jobs.take_failures() == []


def test_a_code_usable_once_is_redeemed_once_by_twenty_checkouts_at_once(committed_engine):
    owner_id, product_id, buyers = _shop_with_product(keys=0)
    with unit_of_work() as s:
        product = s.get_one(Product, product_id)
        product.delivery_kind = DeliveryKind.FILES
        s.add(product)
        shop_id = product.shop_id
        discounts.create_code(
            s,
            Actor(user_id=owner_id, role=UserRole.SELLER, shop_id=shop_id),
            code="ONCE",
            kind="percent",
            percent_bps=5000,
            usage_limit=1,
        )

    outcomes = run_together(lambda buyer: _checkout(buyer, product_id, code="ONCE"), buyers)

    assert len([outcome for outcome in outcomes if outcome.startswith("ORD-")]) == 1
    with unit_of_work() as s:
        code = s.exec(select(DiscountCode).where(DiscountCode.code == "ONCE")).one()
        assert code.used_count == 1
        assert len(s.exec(select(Order).where(Order.discount_code_id == code.id)).all()) == 1
        assert len(s.exec(select(Order)).all()) == 1


def test_a_paid_line_without_a_key_is_refunded_flagged_and_everyone_told(shop, jobs, outbox):
    product = shop.product(kind=DeliveryKind.KEYS, title="Last Key Tool")
    shop.import_keys(product, "ONLY-ONE-KEY")

    late = _paid_after_the_last_key_was_sold(shop, jobs, product)

    shop.s.refresh(late)
    assert late.status == OrderStatus.REFUNDED
    assert late.refunded_amount == late.total
    assert "could not be delivered" in late.flagged_reason
    (refund,) = shop.s.exec(select(Refund).where(Refund.order_id == late.id)).all()
    assert refund.provider_refund_id  # the gateway gave the money back
    (problem,) = shop.s.exec(select(DeliveryProblem)).all()
    assert (problem.order_id, problem.refunded_amount, problem.refund_error) == (late.id, late.total, "")
    mails = [mail for mail in emails_in(outbox) if mail.to == late.email]
    told = [mail for mail in mails if "could not deliver" in mail.subject]
    assert len(told) == 1
    assert "refunded $15.00" in told[0].text
    owner = shop.s.get(Shop, product.shop_id).owner_id
    notices = shop.s.exec(select(Notification).where(Notification.user_id == owner)).all()
    assert any("could not be delivered" in notice.title for notice in notices)
    items = queue.build_queue(shop.s)
    (item,) = [item for item in items if item.kind == "delivery"]
    assert late.reference in item.subtitle
    assert "Last Key Tool" in item.title
    assert jobs.take_failures() == []


def test_a_refused_automatic_refund_is_kept_and_flagged_for_admins(shop, jobs, outbox, monkeypatch):
    product = shop.product(kind=DeliveryKind.KEYS, title="Last Key Tool")
    shop.import_keys(product, "ONLY-ONE-KEY")

    def refuse(*args, **kwargs):
        raise Conflict("The gateway is down.")

    monkeypatch.setattr(shop.world.gateway, "refund", refuse)
    late = _paid_after_the_last_key_was_sold(shop, jobs, product)

    shop.s.refresh(late)
    assert late.status == OrderStatus.PAID
    assert "automatic refund failed" in late.flagged_reason
    (problem,) = shop.s.exec(select(DeliveryProblem)).all()
    assert problem.refund_error == "The gateway is down."
    (item,) = [item for item in queue.build_queue(shop.s) if item.kind == "delivery"]
    assert item.flagged
    told = [mail for mail in emails_in(outbox) if mail.to == late.email and "could not deliver" in mail.subject]
    assert "team has been alerted" in told[0].text
