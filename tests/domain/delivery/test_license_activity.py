"""A valid license check writes nothing: uses and "last seen" wait in memory and are written
together every few seconds, added to what is stored; keys with a usage limit still count at once."""

import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from commerce.license_keys.format import generate_key, normalize_key
from commerce.license_keys.vault import configured_vault, product_associated_data
from commerce.licensing import activity, api
from commerce.models import (
    DeliveryKind,
    KeySource,
    KeyStatus,
    LicenseActivation,
    LicenseKey,
    Product,
    Shop,
    User,
)
from storefront.api_licenses import _call
from tests.domain.delivery.test_licensing import call, sold_key
from tests.fixtures.databases import run_together


@pytest.fixture
def keyed(shop):
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.generated_keys(product, prefix="TOOL", activation_limit=2)
    _, buyer = shop.buyer()
    row, text = sold_key(shop, product, buyer)
    return dict(product=product, buyer=buyer, row=row, key=text)


@contextmanager
def writes(s):
    """The INSERT/UPDATE/DELETE statements sent through `s` meanwhile."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    engine = s.get_bind().engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def stored(s, model, row_id):
    s.expire_all()
    return s.get(model, row_id)


def test_valid_checks_write_nothing_until_the_activity_is_flushed(shop, keyed):
    product, text, row = keyed["product"], keyed["key"], keyed["row"]
    assert call(api.activate, shop, product, text, "laptop").status == "valid"
    seat = shop.s.exec(select(LicenseActivation).where(LicenseActivation.license_key_id == row.id)).one()
    seat.last_seen_at -= timedelta(hours=1)
    shop.s.add(seat)
    shop.s.flush()
    before_seen = seat.last_seen_at

    with writes(shop.s) as sent:
        answers = [call(api.validate, shop, product, text, "laptop") for _ in range(3)]
    assert sent == []
    assert [a.usage_count for a in answers] == [1, 2, 3]  # the answer already counts the checks
    assert stored(shop.s, LicenseKey, row.id).usage_count == 0

    assert activity.flush() == 3
    assert stored(shop.s, LicenseKey, row.id).usage_count == 3
    assert stored(shop.s, LicenseActivation, seat.id).last_seen_at > before_seen
    assert activity.flush() == 0  # nothing is written twice
    assert call(api.validate, shop, product, text).usage_count == 4


def test_a_failed_flush_keeps_the_activity_for_the_next_round(shop, keyed, monkeypatch, caplog):
    product, text, row = keyed["product"], keyed["key"], keyed["row"]
    call(api.validate, shop, product, text)
    call(api.validate, shop, product, text)

    def broken(s, uses, seen):
        raise ConnectionError("database went away")

    with monkeypatch.context() as patch:
        patch.setattr(activity, "write", broken)
        assert activity.flush() == 0
    assert "could not write license activity" in caplog.text
    assert activity.flush() == 2
    assert stored(shop.s, LicenseKey, row.id).usage_count == 2


def test_a_key_with_a_usage_limit_is_still_counted_in_the_check_itself(shop):
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.generated_keys(product, usage_limit=2)
    _, buyer = shop.buyer()
    row, text = sold_key(shop, product, buyer)
    assert call(api.validate, shop, product, text).status == "valid"
    assert stored(shop.s, LicenseKey, row.id).usage_count == 1
    assert not activity.buffer


def test_twenty_checks_at_once_of_a_key_with_five_uses_left_get_five_valid_answers(committed_postgres):
    """The last uses are taken by an atomic conditional update, without a transaction or a row lock."""
    with Session(committed_postgres) as s:
        owner = User(email=f"owner-{uuid.uuid4().hex[:10]}@example.com", display_name="Owner", password_hash="!")
        s.add(owner)
        s.flush()
        shop_row = Shop(owner_id=owner.id, slug=f"race-{uuid.uuid4().hex[:8]}", name="Race")
        s.add(shop_row)
        s.flush()
        product = Product(
            shop_id=shop_row.id, slug="race", title="Race", price_amount=100, delivery_kind=DeliveryKind.KEYS
        )
        s.add(product)
        s.flush()
        text = generate_key("RACE")
        vault = configured_vault()
        row = LicenseKey(
            product_id=product.id,
            source=KeySource.GENERATED,
            status=KeyStatus.SOLD,
            usage_limit=7,
            usage_count=2,
            ciphertext=vault.encrypt(text, product_associated_data(product.id)),
            lookup_hash=vault.lookup_hash(normalize_key(text)),
        )
        s.add(row)
        s.commit()
        product_id, key_id = product.id, row.id

    answers = run_together(
        lambda n: _call(api.validate, {"product_id": product_id, "key": text}, f"192.0.2.{n}"), range(20)
    )

    assert sorted(a.status for a in answers) == ["limit_reached"] * 15 + ["valid"] * 5
    assert sorted(a.usage_count for a in answers if a.status == "valid") == [3, 4, 5, 6, 7]
    with Session(committed_postgres) as s:
        assert s.get_one(LicenseKey, key_id).usage_count == 7
