"""Forged and replayed payment webhooks, and forged TestPay sessions and payments.

An attacker who can reach the webhook URL can send any body with any headers;
only a delivery signed with the endpoint's secret, recently, may mark an order paid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import zlib

import pytest

from commerce.models import PaymentEventKind
from commerce.payments import (
    CheckoutLine,
    CheckoutRequest,
    PaymentSessionNotFound,
    RefundRefused,
    WebhookSignatureInvalid,
    WebhookSignatureMissing,
)
from commerce.payments.stripe import StripeGateway
from commerce.payments.testpay import TestPayGateway

STRIPE_SECRET = "whsec_security_0a1b2c3d4e5f60718293a4b5c6d7e8f9"
TESTPAY_SECRET = "testpay-security-secret"
BASE_URL = "http://localhost:3000"


def paid_event(amount: int = 2500) -> dict:
    return {
        "id": "evt_1SecurityCheck0000000000",
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": "cs_test_security",
                "object": "checkout.session",
                "amount_total": amount,
                "currency": "usd",
                "client_reference_id": "ORD-7",
                "metadata": {"order_id": "7", "order_reference": "ORD-7"},
                "payment_intent": "pi_security",
                "payment_status": "paid",
            }
        },
    }


def hmac_header(payload: bytes, secret: str, timestamp: int, scheme: str = "v1") -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},{scheme}={digest}"


class Clock:
    def __init__(self):
        self.now = float(int(time.time()))

    def __call__(self):
        return self.now


class StripeSide:
    header = "Stripe-Signature"

    def __init__(self):
        # Webhook parsing never calls the API; the key only has to be present.
        self.gateway = StripeGateway("sk_test_security", STRIPE_SECRET, max_network_retries=0)

    def deliver(self, event: dict, *, age_seconds: int = 0, secret: str = STRIPE_SECRET):
        payload = json.dumps(event).encode()
        return payload, {self.header: hmac_header(payload, secret, int(time.time()) - age_seconds)}


class TestPaySide:
    __test__ = False
    header = "TestPay-Signature"

    def __init__(self):
        self.clock = Clock()
        self.gateway = TestPayGateway(TESTPAY_SECRET, BASE_URL, clock=self.clock, send_event=lambda d: None)

    def deliver(self, event: dict, *, age_seconds: int = 0, secret: str = TESTPAY_SECRET):
        signer = TestPayGateway(secret, BASE_URL, clock=lambda: self.clock.now - age_seconds, send_event=lambda d: None)
        delivery = signer.sign(event)
        return delivery.payload, delivery.headers


@pytest.fixture(params=["stripe", "testpay"])
def side(request):
    return StripeSide() if request.param == "stripe" else TestPaySide()


def test_a_genuine_delivery_is_accepted(side):
    assert side.gateway.parse_webhook(*side.deliver(paid_event())).kind == PaymentEventKind.PAYMENT_SUCCEEDED


def test_unsigned_event_cannot_mark_an_order_paid(side):
    payload, _ = side.deliver(paid_event())
    with pytest.raises(WebhookSignatureMissing):
        side.gateway.parse_webhook(payload, {"Content-Type": "application/json"})


def test_event_signed_with_a_guessed_secret_is_refused(side):
    for guess in ("", "secret", "whsec_", TESTPAY_SECRET if side.header == "Stripe-Signature" else STRIPE_SECRET):
        payload, headers = side.deliver(paid_event(), secret=guess or "x")
        with pytest.raises(WebhookSignatureInvalid):
            side.gateway.parse_webhook(payload, headers)


def test_a_valid_signature_cannot_be_moved_to_another_body(side):
    _, headers = side.deliver(paid_event(amount=1))
    forged_payload, _ = side.deliver(paid_event(amount=2500))
    with pytest.raises(WebhookSignatureInvalid):
        side.gateway.parse_webhook(forged_payload, headers)


def test_a_captured_delivery_replayed_after_the_window_is_refused(side):
    payload, headers = side.deliver(paid_event(), age_seconds=3600)
    with pytest.raises(WebhookSignatureInvalid):
        side.gateway.parse_webhook(payload, headers)


def test_a_replay_inside_the_window_carries_the_same_event_id(side):
    # Within five minutes the signature still verifies; the handler's record of
    # event ids is what makes the second delivery harmless.
    payload, headers = side.deliver(paid_event())
    first = side.gateway.parse_webhook(payload, headers)
    second = side.gateway.parse_webhook(payload, headers)
    assert first.event_id == second.event_id


def test_rewriting_the_timestamp_breaks_the_signature(side):
    payload, headers = side.deliver(paid_event(), age_seconds=3600)
    stale = headers[side.header]
    fresh = f"t={int(time.time())}," + stale.split(",", 1)[1]
    with pytest.raises(WebhookSignatureInvalid):
        side.gateway.parse_webhook(payload, {side.header: fresh})


@pytest.mark.parametrize(
    "make_header",
    [
        lambda good: "garbage",
        lambda good: "t=,v1=",
        lambda good: good.split(",")[0],  # timestamp only
        lambda good: good.split(",")[1],  # signature only
        lambda good: good.replace("v1=", "v0="),  # a scheme we do not accept
        lambda good: good[:-2],  # truncated signature
        lambda good: good[:-1] + ("0" if good[-1] != "0" else "1"),  # one hex digit off
        lambda good: good.replace("t=", "t=-"),
        lambda good: good.split(",")[0] + ",v1=" + "é" * 64,  # non-ASCII must not crash the check
        lambda good: good.upper(),
    ],
)
def test_malformed_signature_headers_are_refused_not_crashing(side, make_header):
    payload, headers = side.deliver(paid_event())
    with pytest.raises(WebhookSignatureInvalid):
        side.gateway.parse_webhook(payload, {side.header: make_header(headers[side.header])})


def test_one_valid_signature_among_several_is_enough(side):
    # Providers send several v1 signatures while a secret is being rotated.
    payload, headers = side.deliver(paid_event())
    timestamp, good = headers[side.header].split(",")
    rotated = f"{timestamp},v1={'0' * 64},{good}"
    assert side.gateway.parse_webhook(payload, {side.header: rotated}).kind == PaymentEventKind.PAYMENT_SUCCEEDED


def test_a_testpay_delivery_is_refused_by_the_stripe_endpoint():
    testpay = TestPaySide()
    payload, headers = testpay.deliver(paid_event())
    stripe_side = StripeSide()
    with pytest.raises(WebhookSignatureMissing):
        stripe_side.gateway.parse_webhook(payload, headers)
    renamed = {"Stripe-Signature": headers["TestPay-Signature"]}
    with pytest.raises(WebhookSignatureInvalid):
        stripe_side.gateway.parse_webhook(payload, renamed)


def test_the_app_secret_alone_does_not_sign_testpay_webhooks():
    # TestPay derives its webhook key from the secret, so a signature made with the
    # raw secret (say, leaked from another use) does not verify.
    side = TestPaySide()
    payload = json.dumps(paid_event()).encode()
    header = hmac_header(payload, TESTPAY_SECRET, int(side.clock.now))
    with pytest.raises(WebhookSignatureInvalid):
        side.gateway.parse_webhook(payload, {"TestPay-Signature": header})


def test_testpay_refuses_signatures_dated_in_the_future():
    side = TestPaySide()
    payload, headers = side.deliver(paid_event(), age_seconds=-3600)
    with pytest.raises(WebhookSignatureInvalid):
        side.gateway.parse_webhook(payload, headers)


# -- TestPay sessions and payment references ----------------------------------------


def checkout(gateway: TestPayGateway):
    request = CheckoutRequest(
        order_id=7,
        order_reference="ORD-7",
        amount=2500,
        currency="USD",
        lines=(CheckoutLine("Item", 2500),),
        customer_email=None,
        success_url=BASE_URL + "/checkout/success",
        cancel_url=BASE_URL + "/cart",
        idempotency_key="checkout-7",
    )
    return gateway.create_checkout(request)


def _edit_token_payload(token: str, edit) -> str:
    """Rewrite the data inside an itsdangerous token, keeping its signature."""
    compressed = token.startswith(".")
    payload_part, *signed_parts = token.lstrip(".").split(".")
    raw = base64.urlsafe_b64decode(payload_part + "=" * (-len(payload_part) % 4))
    data = json.loads(zlib.decompress(raw) if compressed else raw)
    edit(data)
    raw = json.dumps(data, separators=(",", ":")).encode()
    raw = zlib.compress(raw) if compressed else raw
    encoded = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return ("." if compressed else "") + ".".join([encoded, *signed_parts])


def test_a_buyer_cannot_lower_the_price_in_a_testpay_session_id():
    side = TestPaySide()
    session = checkout(side.gateway)
    assert side.gateway.describe_session(session.session_id).amount == 2500
    forged = _edit_token_payload(session.session_id, lambda data: data.update(a=1))
    assert forged != session.session_id
    with pytest.raises(PaymentSessionNotFound):
        side.gateway.describe_session(forged)
    with pytest.raises(PaymentSessionNotFound):
        side.gateway.pay(forged, "4242424242424242")


def test_testpay_refunds_only_payments_it_made():
    side = TestPaySide()
    paid = side.gateway.pay(checkout(side.gateway).session_id, "4242424242424242")
    reference = paid.payment_reference
    bigger = reference.replace("_2500_", "_999999_")
    one_digit_off = reference[:-1] + ("1" if reference.endswith("0") else "0")
    assert bigger != reference
    for forged in (bigger, one_digit_off, "pi_3PqFzW2eZvKYlo2C0kXmTq8B", ""):
        with pytest.raises(RefundRefused):
            side.gateway.refund(forged, 100, "USD", "refund-forged")
