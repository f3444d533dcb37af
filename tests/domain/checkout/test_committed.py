"""Against committed data, as the running app sees it: the webhook endpoint over HTTP,
and concurrent checkouts on PostgreSQL with real transactions on separate connections."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce import wiring
from commerce.actor import Actor
from commerce.db import engine_for, unit_of_work
from commerce.errors import Conflict
from commerce.kit.time import utcnow
from commerce.models import (
    DeliveryKind,
    Fulfilment,
    LicenseKey,
    ModerationStatus,
    Order,
    OrderStatus,
    Product,
    ProductStatus,
    Shop,
    User,
    UserRole,
    WebhookEvent,
    WebhookOutcome,
)
from commerce.orders.cart import CartSettings
from commerce.orders.checkout import start_checkout
from commerce.orders.lifecycle import cancel_order
from commerce.orders.pricing import CartInput
from commerce.payments.testpay import TestPayGateway
from storefront.api_webhooks import webhook_routes
from tests.conftest import alembic_upgrade, create_postgres_database, drop_postgres_database

GATEWAY = TestPayGateway("committed-tests-secret", "http://shop.test", send_event=lambda delivery: None)


@contextmanager
def _committed_database(kind: str, tmp_path):
    """A migrated database of its own that `unit_of_work()` commits to."""
    url = f"sqlite:///{tmp_path / 'committed.db'}" if kind == "sqlite" else create_postgres_database()
    engine = create_engine(url)
    alembic_upgrade(engine)
    engine.dispose()
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    wiring.reset()
    try:
        yield kind
    finally:
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved
        wiring.reset()
        if kind == "postgresql":
            engine_for(url).dispose()
            drop_postgres_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_db(request, tmp_path):
    with _committed_database(request.param, tmp_path) as kind:
        yield kind


@pytest.fixture
def postgres_db(tmp_path):
    """Races need PostgreSQL: SQLite runs one writer at a time."""
    with _committed_database("postgresql", tmp_path) as kind:
        yield kind


def _product(price: int = 1500) -> tuple[int, int]:
    """A published product and a buyer; returns (product id, buyer id)."""
    with unit_of_work() as s:
        seller = User(
            email=f"seller-{os.urandom(4).hex()}@example.com",
            display_name="Seller",
            password_hash="!",
            role=UserRole.SELLER,
        )
        buyer = User(email=f"buyer-{os.urandom(4).hex()}@example.com", display_name="Buyer", password_hash="!")
        s.add_all([seller, buyer])
        s.flush()
        shop = Shop(owner_id=seller.id, slug=f"shop-{seller.id}", name="Shop")
        s.add(shop)
        s.flush()
        product = Product(
            shop_id=shop.id,
            slug="thing",
            title="Thing",
            price_amount=price,
            status=ProductStatus.PUBLISHED,
            moderation_status=ModerationStatus.APPROVED,
            published_at=utcnow(),
        )
        s.add(product)
        s.flush()
        return product.id, buyer.id


def _checkout(buyer_id: int, product_id: int):
    with unit_of_work() as s:
        return start_checkout(
            s,
            Actor(user_id=buyer_id, role=UserRole.BUYER),
            GATEWAY,
            items=[CartInput(product_id)],
            settings=CartSettings(None, None, "USD"),
            base_url="http://shop.test",
        )


def test_webhook_endpoint_verifies_records_and_processes_once(committed_db):
    product_id, buyer_id = _product()
    result = _checkout(buyer_id, product_id)
    with unit_of_work() as s:
        session_id = s.exec(select(Order.payment_session_id).where(Order.reference == result.order_reference)).one()
    delivery = GATEWAY.pay(session_id, "4242424242424242").webhook
    client = TestClient(Starlette(routes=webhook_routes(lambda: GATEWAY)))

    assert client.post("/api/webhooks/testpay", content=delivery.payload).status_code == 400
    forged = delivery.payload.replace(b'"amount_total":1500', b'"amount_total":1')
    assert client.post("/api/webhooks/testpay", content=forged, headers=delivery.headers).status_code == 401
    assert client.post("/api/webhooks/stripe", content=delivery.payload, headers=delivery.headers).status_code == 404
    outcomes = [
        client.post("/api/webhooks/testpay", content=delivery.payload, headers=delivery.headers).json()["outcome"]
        for _ in range(10)
    ]
    assert outcomes == [WebhookOutcome.PROCESSED] + ["duplicate"] * 9
    with unit_of_work() as s:
        order = s.exec(select(Order).where(Order.reference == result.order_reference)).one()
        assert order.status == OrderStatus.PAID
        assert len(s.exec(select(Fulfilment).where(Fulfilment.order_id == order.id)).all()) == 1
        assert len(s.exec(select(WebhookEvent)).all()) == 1


def test_concurrent_duplicate_deliveries_are_processed_once(postgres_db):
    product_id, buyer_id = _product()
    result = _checkout(buyer_id, product_id)
    with unit_of_work() as s:
        session_id = s.exec(select(Order.payment_session_id).where(Order.reference == result.order_reference)).one()
    delivery = GATEWAY.pay(session_id, "4242424242424242").webhook
    client = TestClient(Starlette(routes=webhook_routes(lambda: GATEWAY)))
    start = threading.Barrier(8)

    def post(_):
        start.wait()
        return client.post("/api/webhooks/testpay", content=delivery.payload, headers=delivery.headers).json()[
            "outcome"
        ]

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(post, range(8)))
    assert sorted(outcomes) == ["duplicate"] * 7 + [WebhookOutcome.PROCESSED]
    with unit_of_work() as s:
        assert len(s.exec(select(Fulfilment)).all()) == 1


def test_two_tabs_checking_out_at_once_get_one_order(postgres_db):
    product_id, buyer_id = _product()
    start = threading.Barrier(6)

    def tab(_):
        start.wait()
        return _checkout(buyer_id, product_id)

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(tab, range(6)))
    assert len({r.order_reference for r in results}) == 1
    assert len({r.redirect_url for r in results}) == 1
    with unit_of_work() as s:
        assert len(s.exec(select(Order)).all()) == 1


def test_twenty_buyers_race_for_the_last_license_key_and_one_order_gets_it(postgres_db):
    product_id, first_buyer = _product()
    with unit_of_work() as s:
        product = s.get(Product, product_id)
        product.delivery_kind = DeliveryKind.KEYS
        s.add(product)
        s.add(LicenseKey(product_id=product_id, ciphertext=b"sealed", lookup_hash="last-key"))
        buyers = [first_buyer]
        for n in range(19):
            buyer = User(email=f"racer-{n}-{os.urandom(3).hex()}@example.com", display_name="Racer", password_hash="!")
            s.add(buyer)
            s.flush()
            buyers.append(buyer.id)
    start = threading.Barrier(len(buyers))

    def buyer_checks_out(buyer_id):
        start.wait()
        try:
            return _checkout(buyer_id, product_id).order_reference
        except Conflict as refused:
            return refused.message

    with ThreadPoolExecutor(len(buyers)) as pool:
        outcomes = list(pool.map(buyer_checks_out, buyers))
    winners = [outcome for outcome in outcomes if outcome.startswith("ORD-")]
    assert len(winners) == 1
    assert all("sold out" in outcome for outcome in outcomes if outcome not in winners)
    with unit_of_work() as s:
        assert len(s.exec(select(Order)).all()) == 1

    # Cancelling the winning order frees the key for the next buyer.
    with unit_of_work() as s:
        winner = s.exec(select(Order).where(Order.reference == winners[0])).one()
        cancel_order(s, Actor(user_id=winner.buyer_id, role=UserRole.BUYER), winners[0])
    loser = next(buyer for buyer in buyers if buyer != winner.buyer_id)
    assert _checkout(loser, product_id).order_reference.startswith("ORD-")
