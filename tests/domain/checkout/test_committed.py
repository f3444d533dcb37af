"""Against committed data, as the running app sees it: the webhook endpoint over HTTP,
and concurrent checkouts on PostgreSQL with real transactions on separate connections."""

from __future__ import annotations

import os

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce.actor import Actor
from commerce.db import unit_of_work
from commerce.delivery import grants
from commerce.delivery.tasks import deliver_fulfilment
from commerce.errors import Conflict, DomainError
from commerce.jobs import EagerBackend, jobs_run_by
from commerce.kit.time import utcnow
from commerce.models import (
    DeliveryKind,
    DiscountCode,
    DiscountKind,
    Fulfilment,
    FulfilmentDelivery,
    FulfilmentStatus,
    KeyStatus,
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
    saved_id,
)
from commerce.orders.cart import CartSettings
from commerce.orders.checkout import start_checkout
from commerce.orders.lifecycle import cancel_order
from commerce.orders.pricing import CartInput
from commerce.payments.testpay import TestPayGateway
from storefront.api_webhooks import webhook_routes
from tests.fixtures.databases import run_together

GATEWAY = TestPayGateway("committed-tests-secret", "http://shop.test", send_event=lambda delivery: None)


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


def _paid_on_testpay(buyer_id: int, product_id: int):
    """A checkout paid on TestPay; returns its order's reference and the gateway's event."""
    result = _checkout(buyer_id, product_id)
    with unit_of_work() as s:
        session_id = s.exec(select(Order.payment_session_id).where(Order.reference == result.order_reference)).one()
    return result.order_reference, GATEWAY.pay(session_id, "4242424242424242").webhook


def test_webhook_endpoint_verifies_records_and_processes_once(committed_engine, jobs):
    product_id, buyer_id = _product()
    reference, delivery = _paid_on_testpay(buyer_id, product_id)
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
        order = s.exec(select(Order).where(Order.reference == reference)).one()
        assert order.status == OrderStatus.PAID
        [fulfilment] = s.exec(select(Fulfilment).where(Fulfilment.order_id == order.id)).all()
        assert fulfilment.status == FulfilmentStatus.GRANTED
        assert len(s.exec(select(WebhookEvent)).all()) == 1
    # The payment's commit ran the delivery once, however often the event came.
    assert jobs.ran(deliver_fulfilment) == [{"fulfilment_id": fulfilment.id}]


def test_concurrent_duplicate_deliveries_are_processed_once(committed_postgres, jobs):
    product_id, buyer_id = _product()
    _, delivery = _paid_on_testpay(buyer_id, product_id)
    client = TestClient(Starlette(routes=webhook_routes(lambda: GATEWAY)))

    def post(_):
        response = client.post("/api/webhooks/testpay", content=delivery.payload, headers=delivery.headers)
        return response.json()["outcome"]

    outcomes = run_together(post, range(8))
    assert sorted(outcomes) == ["duplicate"] * 7 + [WebhookOutcome.PROCESSED]
    with unit_of_work() as s:
        [fulfilment] = s.exec(select(Fulfilment)).all()
        assert fulfilment.status == FulfilmentStatus.GRANTED
    assert jobs.ran(deliver_fulfilment) == [{"fulfilment_id": fulfilment.id}]


class DeliveriesHeld(EagerBackend):
    """Runs every job but the deliveries, whose fulfilments it keeps for the test to deliver."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[int] = []

    def enqueue(self, job, kwargs) -> None:
        if job.name == deliver_fulfilment.name:
            self.held.append(kwargs["fulfilment_id"])
        else:
            super().enqueue(job, kwargs)


def test_one_sale_delivered_by_runs_at_once_gets_one_key(committed_postgres):
    """Runs of one delivery at once (a retry beside a slow first run, two workers): each
    waits on the fulfilment's lock, then sees the delivery committed meanwhile."""
    product_id, buyer_id = _product()
    with unit_of_work() as s:
        product = s.get_one(Product, product_id)
        product.delivery_kind = DeliveryKind.KEYS
        s.add(product)
        s.add_all(LicenseKey(product_id=product_id, ciphertext=b"sealed", lookup_hash=f"stock-{n}") for n in range(3))
    _, paid = _paid_on_testpay(buyer_id, product_id)
    client = TestClient(Starlette(routes=webhook_routes(lambda: GATEWAY)))
    with jobs_run_by(DeliveriesHeld()) as backend:
        assert client.post("/api/webhooks/testpay", content=paid.payload, headers=paid.headers).status_code == 200
    [fulfilment_id] = backend.held

    def deliver(_):
        with unit_of_work() as s:
            return grants.deliver(s, fulfilment_id)

    assert sorted(run_together(deliver, range(6))) == [False] * 5 + [True]
    with unit_of_work() as s:
        sold = s.exec(select(LicenseKey).where(LicenseKey.fulfilment_id == fulfilment_id)).all()
        assert [key.status for key in sold] == [KeyStatus.SOLD]
        assert len(s.exec(select(LicenseKey).where(LicenseKey.status == KeyStatus.AVAILABLE)).all()) == 2
        assert s.get(FulfilmentDelivery, fulfilment_id) is not None


def test_two_tabs_checking_out_at_once_get_one_order(committed_postgres):
    product_id, buyer_id = _product()

    results = run_together(lambda _: _checkout(buyer_id, product_id), range(6))
    assert len({r.order_reference for r in results}) == 1
    assert len({r.redirect_url for r in results}) == 1
    with unit_of_work() as s:
        assert len(s.exec(select(Order)).all()) == 1


def test_twenty_buyers_race_for_the_last_license_key_and_one_order_gets_it(committed_postgres):
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

    def buyer_checks_out(buyer_id):
        try:
            return _checkout(buyer_id, product_id).order_reference
        except Conflict as refused:
            return refused.message

    outcomes = run_together(buyer_checks_out, buyers)
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


def _code_for(product_id: int, usage_limit: int) -> str:
    with unit_of_work() as s:
        product = s.get_one(Product, product_id)
        s.add(
            DiscountCode(
                shop_id=product.shop_id,
                code="FLASH",
                kind=DiscountKind.PERCENT,
                percent_bps=2000,
                currency="USD",
                usage_limit=usage_limit,
            )
        )
    return "FLASH"


def _new_buyers(n: int) -> list[int]:
    with unit_of_work() as s:
        buyers = [
            User(email=f"flash-{i}-{os.urandom(3).hex()}@example.com", display_name="Buyer", password_hash="!")
            for i in range(n)
        ]
        s.add_all(buyers)
        s.flush()
        return [saved_id(buyer) for buyer in buyers]


def test_buyers_racing_for_a_codes_last_uses_get_exactly_that_many(committed_postgres):
    product_id, _ = _product()
    code = _code_for(product_id, usage_limit=3)

    def buyer_checks_out(buyer_id):
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
        except DomainError as refused:  # used up: at checkout (Conflict) or already when priced
            return refused.message

    outcomes = run_together(buyer_checks_out, _new_buyers(12))
    assert len([outcome for outcome in outcomes if outcome.startswith("ORD-")]) == 3
    with unit_of_work() as s:
        assert s.exec(select(DiscountCode.used_count)).one() == 3
        assert [order.discount for order in s.exec(select(Order)).all()] == [300, 300, 300]


def test_the_gateway_is_called_holding_neither_the_stock_lock_nor_the_codes_row(committed_postgres):
    """Another buyer of the same product or code is not kept waiting for the gateway's network
    call: its stock lock (imported keys) and the code's use count are taken after it."""
    product_id, buyer_id = _product()
    code = _code_for(product_id, usage_limit=10)
    with unit_of_work() as s:
        product = s.get_one(Product, product_id)
        product.delivery_kind = DeliveryKind.KEYS
        s.add(product)
        s.add(LicenseKey(product_id=product_id, ciphertext=b"sealed", lookup_hash="a-key"))
    seen: dict[str, bool] = {}

    def locked(table: str, row_id: int, mode: str) -> bool:
        # The lock another buyer's checkout takes, from another connection: NOWAIT fails when held.
        with committed_postgres.connect() as other:
            try:
                other.execute(text(f"SELECT 1 FROM {table} WHERE id = :id FOR {mode} NOWAIT"), {"id": row_id})
            except OperationalError:
                return True
            finally:
                other.rollback()
        return False

    class Watching(TestPayGateway):
        def create_checkout(self, req):
            seen["product locked"] = locked("products", product_id, "UPDATE")  # the stock lock
            with unit_of_work() as s:
                code_id = s.exec(select(DiscountCode.id)).one()
            # The use count's UPDATE (the order's foreign key share-locks the code, which that allows).
            seen["code locked"] = locked("discount_codes", code_id, "NO KEY UPDATE")
            return super().create_checkout(req)

    gateway = Watching("committed-tests-secret", "http://shop.test", send_event=lambda delivery: None)
    with unit_of_work() as s:
        placed = start_checkout(
            s,
            Actor(user_id=buyer_id, role=UserRole.BUYER),
            gateway,
            items=[CartInput(product_id)],
            settings=CartSettings(code, None, "USD"),
            base_url="http://shop.test",
        )
    assert seen == {"product locked": False, "code locked": False}
    with unit_of_work() as s:  # and both were taken: the order is in, the use counted
        assert s.exec(select(Order.reference)).one() == placed.order_reference
        assert s.exec(select(DiscountCode.used_count)).one() == 1


def test_payments_arriving_together_are_all_delivered_at_once(committed_engine, jobs):
    """Several buyers' payments committed at the same moment, each delivery run right after
    (as the embedded default's job threads do): every one is delivered on its first attempt,
    on SQLite too, where a delivery that read before another committed used to fail with
    "database is locked" and wait for its retry."""
    orders = []
    for _ in range(6):
        product_id, buyer_id = _product()
        orders.append(_paid_on_testpay(buyer_id, product_id)[1])
    client = TestClient(Starlette(routes=webhook_routes(lambda: GATEWAY)))

    def post(delivery):
        return client.post("/api/webhooks/testpay", content=delivery.payload, headers=delivery.headers).json()[
            "outcome"
        ]

    assert run_together(post, orders) == [WebhookOutcome.PROCESSED] * 6
    assert len(jobs.ran(deliver_fulfilment)) == 6
    with unit_of_work() as s:
        assert [f.status for f in s.exec(select(Fulfilment)).all()] == [FulfilmentStatus.GRANTED] * 6
