"""Builders for delivery tests: products with files and keys, bought through the test gateway."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from commerce import ratelimit, storage
from commerce.actor import Actor
from commerce.catalog import keys as catalog_keys
from commerce.delivery import grants
from commerce.models import (
    DeliveryKind,
    Fulfilment,
    KeySource,
    LicensePolicy,
    Order,
    ProductFile,
    ProductVersion,
    User,
    UserRole,
    WebhookOutcome,
)
from commerce.orders import refunds
from commerce.orders.webhooks import handle_event
from commerce.storage import LocalBlobStore
from tests.domain.checkout.conftest import World


class DeliveryWorld:
    """A world with a blob store, able to sell file and key products end to end."""

    def __init__(self, world: World, store: LocalBlobStore):
        self.world, self.s, self.store = world, world.s, store
        self.shop = world.shop()
        self.seller = world.seller_actor(self.shop)

    def product(self, *, price: int = 1500, kind: DeliveryKind = DeliveryKind.FILES, title: str | None = None):
        product = self.world.product(self.shop, price, title=title)
        product.delivery_kind = kind
        self.s.add(product)
        self.s.flush()
        return product

    def version(self, product, number: int = 1, notes: str = ""):
        version = ProductVersion(
            product_id=product.id,
            number=number,
            label=f"{number}.0",
            release_notes=notes,
            released_at=datetime.now(UTC),
        )
        self.s.add(version)
        self.s.flush()
        return version

    def file(
        self,
        product,
        version,
        data: bytes,
        filename: str = "book.pdf",
        *,
        stamp: bool = False,
        content_type: str = "application/pdf",
    ) -> ProductFile:
        blob = self.store.put(
            f"products/{product.id}/files/{uuid.uuid4().hex}", io.BytesIO(data), content_type=content_type
        )
        row = ProductFile(
            product_id=product.id,
            version_id=version.id,
            filename=filename,
            blob_key=blob.key,
            size_bytes=blob.size,
            sha256=blob.sha256,
            content_type=content_type,
            stamp_pdf=stamp,
        )
        self.s.add(row)
        self.s.flush()
        return row

    def import_keys(self, product, *texts: str):
        return catalog_keys.import_license_keys(self.s, self.seller, product.id, "\n".join(texts))

    def generated_keys(self, product, *, prefix: str | None = None, **limits):
        self.s.add(LicensePolicy(product_id=product.id, source=KeySource.GENERATED, prefix=prefix, **limits))
        self.s.flush()

    def buyer(self, email: str | None = None) -> tuple[User, Actor]:
        user = self.world.user(email=email)
        return user, Actor(user_id=user.id, role=UserRole.BUYER)

    def buy(self, actor: Actor, *products) -> Order:
        """Checkout, pay, process the webhook and run the delivery job's work."""
        result = self.world.checkout(actor, list(products), currency="USD")
        _, event = self.world.pay(result.order_reference)
        assert handle_event(self.s, event) == WebhookOutcome.PROCESSED
        order = self.s.exec(select(Order).where(Order.reference == result.order_reference)).one()
        for fulfilment in self.fulfilments(order):
            grants.deliver(self.s, fulfilment.id)
        return order

    def fulfilments(self, order: Order) -> list[Fulfilment]:
        return list(
            self.s.exec(select(Fulfilment).where(Fulfilment.order_id == order.id).order_by(Fulfilment.id)).all()
        )

    def refund(self, order: Order, actor: Actor | None = None):
        return refunds.refund(self.s, actor or self.seller, self.world.gateway, order.reference)


@pytest.fixture
def store(tmp_path):
    with storage.blob_store.replaced(LocalBlobStore(tmp_path / "storage", "test-secret")) as blob_store:
        yield blob_store


@pytest.fixture
def shop(s, store):
    return DeliveryWorld(World(s), store)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Each test counts license API requests from zero."""
    with ratelimit.attempt_counter.replaced(ratelimit.MemoryAttemptCounter()) as counter:
        yield counter
