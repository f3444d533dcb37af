"""payout.paid and payout.failed reach the seller's webhook endpoint, signed, with the
payout's amount and status (TestPay's payout accounts, both databases)."""

from __future__ import annotations

import pytest

from commerce.payments.testpay_connect import PAYOUT_FAILS
from commerce.webhooks_out import service


@pytest.fixture
def shop(market):
    return market.shop("USD")


def hooked(market, shop, receiver):
    made = service.create_endpoint(
        market.s, market.seller_actor(shop), url=receiver.url, event_types=["payout.paid", "payout.failed"]
    )
    market.s.commit()
    return made.secret


def test_a_paid_payout_is_sent_as_payout_paid(market, payouts, shop, receiver):
    secret = hooked(market, shop, receiver)
    payouts.connect(shop)
    market.buy(market.user(), market.product(shop, 2000))
    payouts.hold_passes(shop)
    [payout] = payouts.run()
    [received] = receiver.requests
    body = received.verified(secret)
    assert body["type"] == "payout.paid"
    assert body["data"]["payout"]["id"] == payout.id
    assert body["data"]["payout"]["amount"] == {"amount": payout.amount, "currency": "USD"}
    assert body["data"]["payout"]["status"] == "paid"


def test_a_failed_payout_is_sent_as_payout_failed(market, payouts, shop, receiver):
    secret = hooked(market, shop, receiver)
    payouts.connect(shop, bank=PAYOUT_FAILS)
    market.buy(market.user(), market.product(shop, 2000))
    payouts.hold_passes(shop)
    [payout] = payouts.run()
    types = [r.verified(secret)["type"] for r in receiver.requests]
    assert types == ["payout.failed"]
    assert receiver.requests[0].json["data"]["payout"]["failure_message"] == payout.failure_message
