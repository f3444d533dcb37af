"""SMS numbers and billing countries are stored encrypted: the database holds ciphertext,
services read plain text, and a value copied into another column does not decrypt."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from commerce.models import User
from commerce.models.sealed import SealedValueError, seal, unseal
from commerce.notifications.preferences import set_sms_number, sms_number


def test_the_database_holds_ciphertext_and_services_read_the_text(world):
    s = world.s
    user = world.user()
    set_sms_number(s, world.buyer_actor(user), number="+44 7700 900123")
    shop = world.shop()
    order = world.checkout(world.buyer_actor(user), [world.product(shop, 1000)], country="DE", currency="USD")
    s.flush()
    s.expire_all()
    raw_number = s.execute(text("SELECT sms_number FROM users WHERE id = :id"), {"id": user.id}).scalar_one()
    raw_country = s.execute(
        text("SELECT billing_country FROM orders WHERE reference = :r"), {"r": order.order_reference}
    ).scalar_one()
    assert b"7700900123" not in bytes(raw_number)
    assert len(bytes(raw_country)) == 1 + 12 + 2 + 16  # version, nonce, the two letters sealed, tag
    assert sms_number(s, user.id) == "+447700900123"
    assert s.get(User, user.id).sms_number == "+447700900123"


def test_a_sealed_value_is_bound_to_its_column():
    sealed = seal("users.sms_number", "+447700900123")
    assert unseal("users.sms_number", sealed) == "+447700900123"
    with pytest.raises(SealedValueError):
        unseal("orders.billing_country", sealed)
    with pytest.raises(SealedValueError):
        unseal("users.sms_number", sealed[:-1] + bytes([sealed[-1] ^ 1]))
