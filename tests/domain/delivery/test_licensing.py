"""License keys: encryption at rest, the public API's statuses and limits, seller actions,
and allocation from stock under concurrent purchases."""

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from commerce import ratelimit
from commerce.errors import Conflict, NotFound, RateLimited, ValidationError
from commerce.kit.time import utcnow
from commerce.license_keys.format import generate_key, normalize_key
from commerce.license_keys.vault import configured_vault, product_associated_data
from commerce.licensing import api
from commerce.licensing import service as licensing
from commerce.licensing.issuing import OutOfKeys, issue_key
from commerce.models import (
    DeliveryKind,
    Fulfilment,
    KeySource,
    KeyStatus,
    LicenseKey,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    Shop,
    User,
)


def sold_key(shop, product, buyer) -> tuple[LicenseKey, str]:
    shop.buy(buyer, product)
    row = shop.s.exec(
        select(LicenseKey).where(LicenseKey.product_id == product.id, LicenseKey.buyer_id == buyer.user_id)
    ).one()
    return row, licensing.reveal_key(shop.s, buyer, row.id)


def call(action, shop, product, key, instance=None, client="198.51.100.1"):
    return action(shop.s, product_id=product.id, key=key, instance=instance, client_id=client)


@pytest.fixture
def keyed(shop):
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.generated_keys(product, prefix="TOOL", activation_limit=2)
    _, buyer = shop.buyer()
    row, text = sold_key(shop, product, buyer)
    return dict(product=product, buyer=buyer, row=row, key=text)


def test_keys_are_encrypted_at_rest_and_found_by_keyed_hash(shop, keyed):
    row, text = keyed["row"], keyed["key"]
    assert text.encode() not in row.ciphertext
    assert normalize_key(text).encode() not in row.ciphertext
    assert configured_vault().decrypt(row.ciphertext, product_associated_data(row.product_id)) == text
    assert row.lookup_hash == configured_vault().lookup_hash(normalize_key(text)) != normalize_key(text)
    # Typed in lower case with spaces instead of dashes, it is the same key.
    answer = call(api.validate, shop, keyed["product"], text.lower().replace("-", " "))
    assert answer.status == "valid"


def test_validate_answers_each_status(shop, keyed):
    product, row, text = keyed["product"], keyed["row"], keyed["key"]
    assert call(api.validate, shop, product, text).status == "valid"
    assert call(api.validate, shop, product, generate_key("TOOL")).status == "not_found"
    assert call(api.validate, shop, product, "definitely not a key").status == "not_found"
    other = shop.product(kind=DeliveryKind.KEYS)
    assert call(api.validate, shop, other, text).status == "not_found"  # another product's key

    row.expires_at = utcnow() - timedelta(seconds=1)
    shop.s.add(row)
    assert call(api.validate, shop, product, text).status == "expired"
    row.expires_at = None
    row.usage_limit, row.usage_count = 3, 3
    shop.s.add(row)
    assert call(api.validate, shop, product, text).status == "limit_reached"
    row.usage_limit = None
    licensing.revoke_key(shop.s, shop.seller, row.id, reason="leaked on a forum")
    assert call(api.validate, shop, product, text).status == "revoked"
    licensing.reenable_key(shop.s, shop.seller, row.id)
    assert call(api.validate, shop, product, text).status == "valid"


def test_not_found_reveals_nothing_about_keys_in_stock(shop):
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.import_keys(product, "STOCK-KEY-0001")
    answer = call(api.validate, shop, product, "STOCK-KEY-0001")
    assert answer.as_json() == {"status": "not_found", "message": "This license key is not valid for this product."}


def test_validations_count_towards_the_usage_limit(shop):
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.generated_keys(product, usage_limit=2)
    _, buyer = shop.buyer()
    _, text = sold_key(shop, product, buyer)
    assert [call(api.validate, shop, product, text).status for _ in range(3)] == ["valid", "valid", "limit_reached"]


def test_activation_limit_and_deactivation_free_a_seat(shop, keyed):
    product, text = keyed["product"], keyed["key"]
    assert call(api.activate, shop, product, text, "laptop").status == "valid"
    assert call(api.activate, shop, product, text, "laptop").message == "This instance is already activated."
    assert call(api.activate, shop, product, text, "desktop").activations == 2
    third = call(api.activate, shop, product, text, "office")
    assert third.status == "limit_reached"
    assert "2 of 2" in third.message
    assert call(api.validate, shop, product, text, "desktop").instance_active is True
    assert call(api.deactivate, shop, product, text, "laptop").message == "Deactivated."
    assert call(api.activate, shop, product, text, "office").status == "valid"
    with pytest.raises(ValidationError):
        call(api.activate, shop, product, text, "   ")
    with pytest.raises(ValidationError):
        api.validate(shop.s, product_id="1", key=text, client_id="x")
    activations = licensing.key_activations(shop.s, shop.seller, keyed["row"].id)
    assert {(a.instance, a.active) for a in activations} == {("laptop", False), ("desktop", True), ("office", True)}


def test_a_client_guessing_keys_is_stopped_and_a_hammered_key_too(shop, keyed):
    product = keyed["product"]
    for _ in range(api.CLIENT_MISSES_PER_WINDOW):
        assert call(api.validate, shop, product, generate_key(), client="192.0.2.9").status == "not_found"
    with pytest.raises(RateLimited):
        call(api.validate, shop, product, keyed["key"], client="192.0.2.9")
    # Other clients are not affected; one key asked too often is.
    for _ in range(api.KEY_REQUESTS_PER_MINUTE):
        call(api.validate, shop, product, keyed["key"], client="192.0.2.10")
    with pytest.raises(RateLimited):
        call(api.validate, shop, product, keyed["key"], client="192.0.2.11")


def test_sellers_list_rotate_and_revoke_only_their_own_keys(shop, keyed):
    product, row = keyed["product"], keyed["row"]
    page = licensing.list_product_keys(shop.s, shop.seller, product.id)
    (listed,) = page.items
    assert listed.status == KeyStatus.SOLD
    assert listed.masked.endswith(keyed["key"][-4:])
    assert keyed["key"] not in listed.masked
    assert listed.buyer
    assert listed.can_rotate
    assert licensing.reveal_key(shop.s, shop.seller, row.id) == keyed["key"]

    intruder = shop.world.seller_actor(shop.world.shop())
    for action in (licensing.revoke_key, licensing.reenable_key, licensing.rotate_key, licensing.key_activations):
        with pytest.raises(NotFound):
            action(shop.s, intruder, row.id)
    with pytest.raises(NotFound):
        licensing.reveal_key(shop.s, intruder, row.id)
    with pytest.raises(NotFound):
        licensing.list_product_keys(shop.s, intruder, product.id)

    new_id = licensing.rotate_key(shop.s, shop.seller, row.id)
    new_text = licensing.reveal_key(shop.s, keyed["buyer"], new_id)
    assert new_text != keyed["key"]
    assert new_text.startswith("TOOL-")
    assert call(api.validate, shop, product, keyed["key"]).status == "revoked"
    assert call(api.validate, shop, product, new_text).status == "valid"
    with pytest.raises(Conflict):
        licensing.reenable_key(shop.s, shop.seller, row.id)  # replaced keys stay revoked
    with pytest.raises(NotFound):
        licensing.reveal_key(shop.s, keyed["buyer"], row.id)


def test_a_refunded_key_cannot_be_re_enabled(shop, keyed):
    (order,) = shop.s.exec(
        select(Order)
        .join(Fulfilment, Fulfilment.order_id == Order.id)
        .where(Fulfilment.product_id == keyed["product"].id)
    ).all()
    shop.refund(order)
    with pytest.raises(Conflict, match="refunded"):
        licensing.reenable_key(shop.s, shop.seller, keyed["row"].id)
    assert call(api.validate, shop, keyed["product"], keyed["key"]).status == "revoked"


# -- concurrency (PostgreSQL) --------------------------------------------------


def _paid_fulfilments(s: Session, product: Product, shop_row: Shop, count: int) -> list[int]:
    ids = []
    for n in range(count):
        user = User(email=f"rush-{uuid.uuid4().hex[:10]}@example.com", display_name=f"Rush {n}", password_hash="!")
        s.add(user)
        s.flush()
        order = Order(
            reference=f"R{uuid.uuid4().hex[:12].upper()}",
            buyer_id=user.id,
            email=user.email,
            currency="USD",
            subtotal=100,
            discount=0,
            tax=0,
            total=100,
            status=OrderStatus.PAID,
            paid_at=utcnow(),
        )
        s.add(order)
        s.flush()
        line = OrderLine(
            order_id=order.id,
            product_id=product.id,
            shop_id=shop_row.id,
            title=product.title,
            list_amount=100,
            list_currency="USD",
            exchange_rate=Decimal(1),
            unit_price=100,
            discount=0,
            net=100,
            tax_rate_bps=0,
            tax=0,
            total=100,
        )
        s.add(line)
        s.flush()
        fulfilment = Fulfilment(order_id=order.id, order_line_id=line.id, buyer_id=user.id, product_id=product.id)
        s.add(fulfilment)
        s.flush()
        ids.append(fulfilment.id)
    return ids


def test_fifty_buyers_racing_for_ten_keys_get_ten_distinct_keys(committed_postgres):
    """Row locking with SKIP LOCKED is PostgreSQL's; SQLite serialises writers."""
    with Session(committed_postgres) as s:
        owner = User(email=f"owner-{uuid.uuid4().hex[:10]}@example.com", display_name="Owner", password_hash="!")
        s.add(owner)
        s.flush()
        shop_row = Shop(owner_id=owner.id, slug=f"rush-{uuid.uuid4().hex[:8]}", name="Rush")
        s.add(shop_row)
        s.flush()
        product = Product(
            shop_id=shop_row.id, slug="rush", title="Rush", price_amount=100, delivery_kind=DeliveryKind.KEYS
        )
        s.add(product)
        s.flush()
        keys_vault = configured_vault()
        for n in range(10):
            text = f"STOCK-{n:04d}-{uuid.uuid4().hex[:8]}"
            s.add(
                LicenseKey(
                    product_id=product.id,
                    source=KeySource.IMPORTED,
                    status=KeyStatus.AVAILABLE,
                    ciphertext=keys_vault.encrypt(text, product_associated_data(product.id)),
                    lookup_hash=keys_vault.lookup_hash(normalize_key(text)),
                )
            )
        fulfilment_ids = _paid_fulfilments(s, product, shop_row, 50)
        s.commit()
        product_id = product.id
    _race(committed_postgres, product_id, fulfilment_ids)


def _race(engine, product_id: int, fulfilment_ids: list[int]) -> None:
    start = threading.Barrier(len(fulfilment_ids))
    results: list[tuple[str, int | None]] = []
    lock = threading.Lock()

    def buy(fulfilment_id: int) -> None:
        with Session(engine) as session:
            start.wait()
            try:
                fulfilment = session.get(Fulfilment, fulfilment_id)
                key = issue_key(session, fulfilment)
                session.commit()
                outcome = ("ok", key.id)
            except OutOfKeys:
                session.rollback()
                outcome = ("out", None)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=buy, args=(fid,)) for fid in fulfilment_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    won = [key_id for outcome, key_id in results if outcome == "ok"]
    assert len(results) == 50
    assert len(won) == 10
    assert len(set(won)) == 10
    with Session(engine) as s:
        rows = s.exec(select(LicenseKey).where(LicenseKey.product_id == product_id)).all()
        assert sorted(r.status for r in rows) == [KeyStatus.SOLD] * 10
        assert len({r.fulfilment_id for r in rows}) == 10


def test_a_lookup_counts_as_a_miss_while_it_runs_so_parallel_guesses_cannot_pass_the_limit(shop, keyed, monkeypatch):
    product, client = keyed["product"], f"192.0.2.{uuid.uuid4().int % 200 + 20}"
    counter = ratelimit.attempt_counter()
    misses_during_lookup = []
    read_key = api._read_key

    def observed(*args, **kwargs):
        misses_during_lookup.append(counter.count(f"license-miss:{client}"))
        return read_key(*args, **kwargs)

    monkeypatch.setattr(api, "_read_key", observed)
    assert call(api.validate, shop, product, generate_key(), client=client).status == "not_found"
    assert call(api.validate, shop, product, keyed["key"], client=client).status == "valid"
    # Each lookup already counted while it ran; the key that was found gave its miss back.
    assert misses_during_lookup == [1, 2]
    assert counter.count(f"license-miss:{client}") == 1
