"""Contract of the PaymentGateway port, run against Stripe and TestPay.

Stripe is exercised offline: webhooks are signed here exactly as Stripe signs
them (`t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<body>")>`) over payloads shaped
like Stripe's (tests/contracts/stripe_payloads/), and API calls go to a stub HTTP
server on 127.0.0.1 that records what the official client sends.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
import stripe

from commerce import payments
from commerce.config import ConfigurationError
from commerce.db import engine_for
from commerce.errors import ValidationError
from commerce.jobs import configure_jobs, shutdown_jobs, wait_for_jobs
from commerce.models import PaymentEventKind
from commerce.payments import (
    CheckoutLine,
    CheckoutRequest,
    PaymentGateway,
    PaymentProviderError,
    PaymentSessionExpired,
    PaymentSessionNotFound,
    RefundRefused,
    WebhookPayloadInvalid,
    WebhookSignatureInvalid,
    WebhookSignatureMissing,
)
from commerce.payments.events import to_gateway_event
from commerce.payments.stripe import StripeGateway, from_stripe_amount
from commerce.payments.tasks import pay_on_test_page
from commerce.payments.testpay import TestPayGateway, deliver

PAYLOADS = Path(__file__).parent / "stripe_payloads"
STRIPE_WEBHOOK_SECRET = "whsec_test_5f0c2a9e8d7b6a5c4e3f2a1b0c9d8e7f"
STRIPE_API_KEY = "sk_test_51Contract0000000000000000"
TESTPAY_SECRET = "testpay-contract-secret"
BASE_URL = "http://localhost:3000"

# The values the Stripe fixtures were written for, so both gateways share expectations.
ORDER_REFERENCE = "ORD-1001"
STRIPE_PAYMENT_INTENT = "pi_3PqFzW2eZvKYlo2C0kXmTq8B"


def checkout_request(**changes) -> CheckoutRequest:
    fields = dict(
        order_id=1001,
        order_reference=ORDER_REFERENCE,
        amount=2500,
        currency="USD",
        lines=(CheckoutLine("Pixel Icons Pack", 1500), CheckoutLine("Font Bundle", 500, quantity=2)),
        customer_email="buyer@example.com",
        success_url=BASE_URL + "/checkout/success?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=BASE_URL + "/cart",
        idempotency_key="checkout-1001-1",
    )
    fields.update(changes)
    return CheckoutRequest(**fields)


def fixture_event(name: str) -> dict:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def stripe_signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# -- a stub of Stripe's API ---------------------------------------------------


class StubStripe:
    """Records requests; answers each path with the next queued (status, body) or a default."""

    def __init__(self):
        self.requests: list[dict] = []
        self.queued: list[tuple[int, dict]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                stub.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "form": parse_qs(body), "body": body}
                )
                status, answer = stub.queued.pop(0) if stub.queued else (200, stub.default_answer(self.path))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_stub")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def default_answer(path: str) -> dict:
        if path == "/v1/checkout/sessions":
            return {
                "id": "cs_test_b1StubSession",
                "object": "checkout.session",
                "url": "https://checkout.stripe.com/c/pay/cs_test_b1StubSession",
                "payment_status": "unpaid",
                "status": "open",
            }
        if path == "/v1/refunds":
            return {
                "id": "re_3PqFzW2eZvKYlo2C0Stub",
                "object": "refund",
                "amount": 1000,
                "currency": "usd",
                "payment_intent": STRIPE_PAYMENT_INTENT,
                "status": "succeeded",
            }
        return {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL (POST: {path})"}}

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def stub_stripe():
    stub = StubStripe()
    yield stub
    stub.close()


@pytest.fixture
def stripe_api(stub_stripe):
    stub_stripe.requests.clear()
    stub_stripe.queued.clear()
    return stub_stripe


def make_stripe_gateway(api_base: str) -> StripeGateway:
    session = requests.Session()
    session.trust_env = False  # never route 127.0.0.1 through a proxy from the environment
    return StripeGateway(
        STRIPE_API_KEY,
        STRIPE_WEBHOOK_SECRET,
        api_base=api_base,
        http_client=stripe.RequestsClient(timeout=5, session=session),
        max_network_retries=0,
    )


# -- one harness per implementation ---------------------------------------------


class Clock:
    def __init__(self):
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


class StripeHarness:
    header = "Stripe-Signature"

    def __init__(self, stub: StubStripe):
        self.gateway = make_stripe_gateway(stub.url)

    def sign(self, event: dict | bytes, *, age_seconds: int = 0, secret: str = STRIPE_WEBHOOK_SECRET):
        payload = event if isinstance(event, bytes) else json.dumps(event, indent=2).encode()
        timestamp = int(time.time()) - age_seconds
        return payload, {self.header: stripe_signature_header(payload, secret, timestamp)}

    def succeeded(self):
        return (*self.sign(fixture_event("checkout_session_completed")), STRIPE_PAYMENT_INTENT)

    def declined(self):
        return (*self.sign(fixture_event("payment_intent_payment_failed")), STRIPE_PAYMENT_INTENT)

    def partially_refunded(self):
        return (*self.sign(fixture_event("charge_refunded")), STRIPE_PAYMENT_INTENT)


class TestPayHarness:
    __test__ = False
    header = "TestPay-Signature"

    def __init__(self):
        self.clock = Clock()
        self.sent = []
        self.gateway = TestPayGateway(TESTPAY_SECRET, BASE_URL, clock=self.clock, send_event=self.sent.append)

    def sign(self, event: dict | bytes, *, age_seconds: int = 0, secret: str = TESTPAY_SECRET):
        signer = TestPayGateway(
            secret, BASE_URL, clock=lambda: self.clock.now - age_seconds, send_event=self.sent.append
        )
        delivery = signer.sign_payload(event) if isinstance(event, bytes) else signer.sign(event)
        return delivery.payload, delivery.headers

    def _pay(self, card: str):
        session = self.gateway.create_checkout(checkout_request())
        return self.gateway.pay(session.session_id, card)

    def succeeded(self):
        attempt = self._pay("4242 4242 4242 4242")
        return attempt.webhook.payload, attempt.webhook.headers, attempt.payment_reference

    def declined(self):
        attempt = self._pay("4000 0000 0000 9995")
        return attempt.webhook.payload, attempt.webhook.headers, attempt.payment_reference

    def partially_refunded(self):
        attempt = self._pay("4242424242424242")
        self.gateway.refund(attempt.payment_reference, 1000, "USD", "refund-ORD-1001-1")
        delivery = self.sent[-1]
        return delivery.payload, delivery.headers, attempt.payment_reference


@pytest.fixture(params=["stripe", "testpay"])
def harness(request):
    if request.param == "stripe":
        return StripeHarness(request.getfixturevalue("stripe_api"))
    return TestPayHarness()


# -- the contract ---------------------------------------------------------------


def test_both_gateways_satisfy_the_port(harness):
    assert isinstance(harness.gateway, PaymentGateway)
    assert harness.gateway.name in ("stripe", "testpay")


def test_verified_payment_roundtrip(harness):
    payload, headers, payment_reference = harness.succeeded()
    event = harness.gateway.parse_webhook(payload, headers)
    assert event.provider == harness.gateway.name
    assert event.kind == PaymentEventKind.PAYMENT_SUCCEEDED
    assert event.raw_type == "checkout.session.completed"
    assert event.event_id.startswith("evt_")
    assert event.order_reference == ORDER_REFERENCE
    assert event.amount == 2500
    assert event.currency == "USD"
    assert event.payment_reference == payment_reference
    assert event.session_id
    assert event.created.tzinfo is not None
    assert event.failure_message is None
    assert event.refunded_amount is None


def test_header_name_is_case_insensitive(harness):
    payload, headers, _ = harness.succeeded()
    lowered = {name.lower(): value for name, value in headers.items()}
    assert harness.gateway.parse_webhook(payload, lowered).kind == PaymentEventKind.PAYMENT_SUCCEEDED


@pytest.mark.parametrize("headers", [{}, {"Content-Type": "application/json"}, "empty"])
def test_missing_signature_is_refused_with_400(harness, headers):
    payload, _, _ = harness.succeeded()
    if headers == "empty":
        headers = {harness.header: ""}
    with pytest.raises(WebhookSignatureMissing) as caught:
        harness.gateway.parse_webhook(payload, headers)
    assert caught.value.status_code == 400


def test_signature_with_another_secret_is_refused_with_401(harness):
    payload, headers = harness.sign(fixture_event("checkout_session_completed"), secret="not-the-secret")
    with pytest.raises(WebhookSignatureInvalid) as caught:
        harness.gateway.parse_webhook(payload, headers)
    assert caught.value.status_code == 401


def test_tampered_payload_is_refused(harness):
    payload, headers, _ = harness.succeeded()
    event = json.loads(payload)
    event["data"]["object"]["amount_total"] = 1
    with pytest.raises(WebhookSignatureInvalid):
        harness.gateway.parse_webhook(json.dumps(event).encode(), headers)


def test_a_single_changed_byte_is_refused(harness):
    payload, headers, _ = harness.succeeded()
    tampered = payload.replace(b"ORD-1001", b"ORD-1002", 1)
    assert tampered != payload
    with pytest.raises(WebhookSignatureInvalid):
        harness.gateway.parse_webhook(tampered, headers)


def test_old_timestamps_are_refused_after_five_minutes(harness):
    event = fixture_event("checkout_session_completed")
    fresh_enough = harness.sign(event, age_seconds=290)
    assert harness.gateway.parse_webhook(*fresh_enough).kind == PaymentEventKind.PAYMENT_SUCCEEDED
    too_old = harness.sign(event, age_seconds=310)
    with pytest.raises(WebhookSignatureInvalid):
        harness.gateway.parse_webhook(*too_old)


def test_unknown_event_types_are_ignored(harness):
    event = harness.gateway.parse_webhook(*harness.sign(fixture_event("customer_created")))
    assert event.kind == PaymentEventKind.IGNORED
    assert event.raw_type == "customer.created"
    assert event.event_id == "evt_1PqG0aLkdIwHu7ixP0oIuYtR"
    assert event.order_reference is None
    assert event.amount is None


def test_declined_payment_maps_to_payment_failed(harness):
    payload, headers, payment_reference = harness.declined()
    event = harness.gateway.parse_webhook(payload, headers)
    assert event.kind == PaymentEventKind.PAYMENT_FAILED
    assert event.raw_type == "payment_intent.payment_failed"
    assert event.failure_message == "Your card has insufficient funds."
    assert event.order_reference == ORDER_REFERENCE
    assert event.payment_reference == payment_reference
    assert (event.amount, event.currency) == (2500, "USD")


def test_refund_maps_to_refunded_with_the_refunded_amount(harness):
    payload, headers, payment_reference = harness.partially_refunded()
    event = harness.gateway.parse_webhook(payload, headers)
    assert event.kind == PaymentEventKind.REFUNDED
    assert event.raw_type == "charge.refunded"
    assert event.payment_reference == payment_reference
    assert (event.amount, event.refunded_amount, event.currency) == (2500, 1000, "USD")


@pytest.mark.parametrize(
    ("fixture", "kind", "expected"),
    [
        (
            "checkout_session_completed",
            PaymentEventKind.PAYMENT_SUCCEEDED,
            dict(session_id="cs_test_a1kQ9mXb0eZp3Wc7Rt5YuV2sNdLhG8fJ4oTqB6iK", amount=2500),
        ),
        ("checkout_session_async_payment_succeeded", PaymentEventKind.PAYMENT_SUCCEEDED, dict(amount=2500)),
        (
            "payment_intent_payment_failed",
            PaymentEventKind.PAYMENT_FAILED,
            dict(failure_message="Your card has insufficient funds."),
        ),
        ("charge_refunded", PaymentEventKind.REFUNDED, dict(refunded_amount=1000, amount=2500)),
        ("charge_dispute_created", PaymentEventKind.DISPUTED, dict(amount=2500, order_reference=None)),
        ("customer_created", PaymentEventKind.IGNORED, dict(payment_reference=None)),
    ],
)
def test_stripe_shaped_events_map_to_each_kind(harness, fixture, kind, expected):
    raw = fixture_event(fixture)
    event = harness.gateway.parse_webhook(*harness.sign(raw))
    assert event.kind == kind
    assert event.event_id == raw["id"]
    assert event.created.timestamp() == raw["created"]
    if kind != PaymentEventKind.IGNORED:
        assert event.payment_reference == STRIPE_PAYMENT_INTENT
        assert event.currency == "USD"
    for name, value in expected.items():
        assert getattr(event, name) == value


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("checkout_session_completed", PaymentEventKind.PAYMENT_SUCCEEDED),
        ("payment_intent_payment_failed", PaymentEventKind.PAYMENT_FAILED),
        ("charge_refunded", PaymentEventKind.REFUNDED),
        ("charge_dispute_created", PaymentEventKind.DISPUTED),
    ],
)
def test_events_as_the_stripe_library_builds_them_map_like_their_json(fixture, kind):
    """What `construct_event` hands the gateway is a `stripe.Event` of nested StripeObjects:
    built here with `construct_from`, it must map exactly as the plain JSON does."""
    raw = fixture_event(fixture)
    library_event = stripe.Event.construct_from(raw, "sk_test_offline")
    assert isinstance(library_event.data.object, stripe.StripeObject)
    from_library = to_gateway_event("stripe", library_event.to_dict(), from_stripe_amount)
    assert from_library.kind == kind
    assert from_library == to_gateway_event("stripe", raw, from_stripe_amount)


def test_checkout_completed_but_unpaid_is_not_a_payment(harness):
    # A delayed method (bank debit) completes the session before the money arrives.
    raw = fixture_event("checkout_session_completed")
    raw["data"]["object"]["payment_status"] = "unpaid"
    assert harness.gateway.parse_webhook(*harness.sign(raw)).kind == PaymentEventKind.IGNORED


def test_async_payment_failure_maps_to_payment_failed(harness):
    raw = fixture_event("checkout_session_async_payment_succeeded")
    raw["type"] = "checkout.session.async_payment_failed"
    raw["data"]["object"]["payment_status"] = "unpaid"
    event = harness.gateway.parse_webhook(*harness.sign(raw))
    assert event.kind == PaymentEventKind.PAYMENT_FAILED
    assert event.order_reference == ORDER_REFERENCE
    assert event.failure_message


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b"[1, 2, 3]",
        b"null",
        b'{"id": "evt_1", "type": "checkout.session.completed", "created": 1724151234}',
        b'{"id": "evt_1", "type": "charge.refunded", "created": 1724151234, "data": {"object": {"id": "ch_1"}}}',
        b'{"type": "customer.created", "created": 1724151234, "data": {"object": {}}}',
        b'{"id": "evt_1", "type": "customer.created", "created": 99999999999999999999, "data": {"object": {}}}',
    ],
)
def test_signed_but_unreadable_events_are_payload_errors(harness, body):
    with pytest.raises(WebhookPayloadInvalid) as caught:
        harness.gateway.parse_webhook(*harness.sign(body))
    assert caught.value.status_code == 400


def test_unknown_currency_in_an_event_is_a_payload_error(harness):
    raw = fixture_event("charge_refunded")
    raw["data"]["object"]["currency"] = "zzz"
    with pytest.raises(WebhookPayloadInvalid):
        harness.gateway.parse_webhook(*harness.sign(raw))


def test_create_checkout_returns_a_session_to_redirect_to(harness):
    session = harness.gateway.create_checkout(checkout_request())
    assert session.provider == harness.gateway.name
    assert session.session_id
    assert session.redirect_url.startswith(("http://", "https://"))


def test_checkout_lines_must_add_up_to_the_amount():
    with pytest.raises(ValueError, match="lines add up to 2500, not to the amount 2600"):
        checkout_request(amount=2600)


# -- Stripe specifics -----------------------------------------------------------


def test_stripe_checkout_sends_the_order_in_minor_units(stripe_api):
    session = make_stripe_gateway(stripe_api.url).create_checkout(checkout_request())
    assert session.session_id == "cs_test_b1StubSession"
    assert session.redirect_url == "https://checkout.stripe.com/c/pay/cs_test_b1StubSession"
    [sent] = stripe_api.requests
    form = {key: values[0] for key, values in sent["form"].items()}
    assert sent["path"] == "/v1/checkout/sessions"
    assert sent["headers"]["Idempotency-Key"] == "checkout-1001-1"
    assert sent["headers"]["Authorization"] == f"Bearer {STRIPE_API_KEY}"
    assert form == {
        "mode": "payment",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "1500",
        "line_items[0][price_data][product_data][name]": "Pixel Icons Pack",
        "line_items[1][quantity]": "2",
        "line_items[1][price_data][currency]": "usd",
        "line_items[1][price_data][unit_amount]": "500",
        "line_items[1][price_data][product_data][name]": "Font Bundle",
        "client_reference_id": ORDER_REFERENCE,
        "metadata[order_id]": "1001",
        "metadata[order_reference]": ORDER_REFERENCE,
        "payment_intent_data[metadata][order_id]": "1001",
        "payment_intent_data[metadata][order_reference]": ORDER_REFERENCE,
        "success_url": BASE_URL + "/checkout/success?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": BASE_URL + "/cart",
        "customer_email": "buyer@example.com",
    }


def test_stripe_checkout_without_email_leaves_it_to_stripe(stripe_api):
    make_stripe_gateway(stripe_api.url).create_checkout(checkout_request(customer_email=None))
    assert "customer_email" not in stripe_api.requests[0]["form"]


@pytest.mark.parametrize(
    ("currency", "iso_amount", "stripe_amount"),
    [("JPY", 1500, "1500"), ("EUR", 1500, "1500"), ("ISK", 1500, "150000"), ("BHD", 1500, "1500")],
)
def test_stripe_checkout_uses_stripes_minor_units(stripe_api, currency, iso_amount, stripe_amount):
    request = checkout_request(currency=currency, amount=iso_amount, lines=(CheckoutLine("Item", iso_amount),))
    make_stripe_gateway(stripe_api.url).create_checkout(request)
    form = stripe_api.requests[0]["form"]
    assert form["line_items[0][price_data][currency]"] == [currency.lower()]
    assert form["line_items[0][price_data][unit_amount]"] == [stripe_amount]


def test_stripe_refuses_three_decimal_amounts_it_cannot_charge(stripe_api):
    request = checkout_request(currency="BHD", amount=1505, lines=(CheckoutLine("Item", 1505),))
    with pytest.raises(ValidationError):
        make_stripe_gateway(stripe_api.url).create_checkout(request)
    assert stripe_api.requests == []


def test_stripe_api_error_becomes_a_readable_provider_error(stripe_api):
    stripe_api.queued.append(
        (400, {"error": {"type": "invalid_request_error", "message": "Amount must be at least $0.50 usd"}})
    )
    with pytest.raises(PaymentProviderError) as caught:
        make_stripe_gateway(stripe_api.url).create_checkout(checkout_request())
    assert caught.value.message == "The payment provider could not start the checkout. Please try again in a moment."


def test_stripe_unreachable_is_a_provider_error():
    gateway = make_stripe_gateway("http://127.0.0.1:9")  # the discard port: nothing listens
    with pytest.raises(PaymentProviderError) as caught:
        gateway.create_checkout(checkout_request())
    assert "could not be reached" in caught.value.message


def test_stripe_refund_sends_amount_and_idempotency_key(stripe_api):
    result = make_stripe_gateway(stripe_api.url).refund(STRIPE_PAYMENT_INTENT, 1000, "usd", "refund-ORD-1001-1")
    assert (result.refund_id, result.amount, result.currency, result.status) == (
        "re_3PqFzW2eZvKYlo2C0Stub",
        1000,
        "USD",
        "succeeded",
    )
    [sent] = stripe_api.requests
    assert sent["path"] == "/v1/refunds"
    assert sent["headers"]["Idempotency-Key"] == "refund-ORD-1001-1"
    assert sent["form"] == {"payment_intent": [STRIPE_PAYMENT_INTENT], "amount": ["1000"]}


def test_stripe_refused_refund_says_why(stripe_api):
    stripe_api.queued.append(
        (
            400,
            {
                "error": {
                    "type": "invalid_request_error",
                    "code": "charge_already_refunded",
                    "message": "Charge ch_3PqFzW2eZvKYlo2C0o7sHn1K has already been refunded.",
                }
            },
        )
    )
    with pytest.raises(RefundRefused) as caught:
        make_stripe_gateway(stripe_api.url).refund(STRIPE_PAYMENT_INTENT, 1000, "USD", "refund-ORD-1001-2")
    assert caught.value.message == "Charge ch_3PqFzW2eZvKYlo2C0o7sHn1K has already been refunded."


def test_stripe_event_amounts_are_read_in_iso_minor_units(stripe_api):
    raw = fixture_event("charge_refunded")
    raw["data"]["object"].update(currency="isk", amount=150000, amount_refunded=50000)
    gateway = make_stripe_gateway(stripe_api.url)
    payload = json.dumps(raw).encode()
    headers = {"Stripe-Signature": stripe_signature_header(payload, STRIPE_WEBHOOK_SECRET, int(time.time()))}
    event = gateway.parse_webhook(payload, headers)
    assert (event.amount, event.refunded_amount, event.currency) == (1500, 500, "ISK")


def test_stripe_gateway_needs_its_secrets():
    with pytest.raises(ValueError, match="a Stripe webhook signing secret is required"):
        StripeGateway(STRIPE_API_KEY, "")
    with pytest.raises(ValueError, match="a Stripe secret key is required"):
        StripeGateway("", STRIPE_WEBHOOK_SECRET)


# -- TestPay specifics ----------------------------------------------------------


@pytest.fixture
def testpay():
    return TestPayHarness()


def test_testpay_checkout_page_url_and_session_data(testpay):
    session = testpay.gateway.create_checkout(checkout_request())
    assert session.redirect_url == f"{BASE_URL}/testpay/{session.session_id}"
    described = testpay.gateway.describe_session(session.session_id)
    assert (described.order_id, described.order_reference, described.amount, described.currency) == (
        1001,
        ORDER_REFERENCE,
        2500,
        "USD",
    )
    assert described.cancel_url == BASE_URL + "/cart"
    assert described.expires_at.timestamp() == testpay.clock.now + 24 * 3600
    assert "buyer@example.com" not in session.session_id  # the id travels in URLs and logs


def test_testpay_session_ids_are_unique_per_checkout(testpay):
    first = testpay.gateway.create_checkout(checkout_request())
    second = testpay.gateway.create_checkout(checkout_request())
    assert first.session_id != second.session_id
    first_ref = testpay.gateway.describe_session(first.session_id).payment_reference
    assert first_ref != testpay.gateway.describe_session(second.session_id).payment_reference


def test_testpay_session_from_another_secret_does_not_exist(testpay):
    other = TestPayGateway("another-secret", BASE_URL, send_event=list().append)
    session = other.create_checkout(checkout_request())
    with pytest.raises(PaymentSessionNotFound):
        testpay.gateway.describe_session(session.session_id)


def test_testpay_session_expires(testpay):
    gateway = TestPayGateway(
        TESTPAY_SECRET, BASE_URL, clock=testpay.clock, session_ttl=timedelta(minutes=30), send_event=list().append
    )
    session = gateway.create_checkout(checkout_request())
    testpay.clock.now += 31 * 60
    with pytest.raises(PaymentSessionExpired) as caught:
        gateway.pay(session.session_id, "4242424242424242")
    assert "expired" in caught.value.message


def test_testpay_success_redirects_to_the_shop_with_the_session_id(testpay):
    session = testpay.gateway.create_checkout(checkout_request())
    attempt = testpay.gateway.pay(session.session_id, "4242-4242-4242-4242")
    assert attempt.succeeded
    assert attempt.message is None
    assert attempt.redirect_url == f"{BASE_URL}/checkout/success?session_id={session.session_id}"
    assert attempt.webhook.url == BASE_URL + "/api/webhooks/testpay"
    event = testpay.gateway.parse_webhook(attempt.webhook.payload, attempt.webhook.headers)
    assert event.session_id == session.session_id


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ("4000 0000 0000 0002", "Your card was declined."),
        ("4000 0000 0000 9995", "Your card has insufficient funds."),
        (
            "5555 5555 5555 4444",
            "Your card was declined. This test gateway accepts test cards only, such as 4242 4242 4242 4242.",
        ),
    ],
)
def test_testpay_declined_cards(testpay, card, message):
    session = testpay.gateway.create_checkout(checkout_request())
    attempt = testpay.gateway.pay(session.session_id, card)
    assert not attempt.succeeded
    assert attempt.redirect_url is None
    assert attempt.message == message
    event = testpay.gateway.parse_webhook(attempt.webhook.payload, attempt.webhook.headers)
    assert (event.kind, event.failure_message, event.order_reference) == (
        PaymentEventKind.PAYMENT_FAILED,
        message,
        ORDER_REFERENCE,
    )


@pytest.mark.parametrize("card", ["4242 4242 4242 4241", "1234", "", "4242 4242 4242 424x", "42424242424242424242"])
def test_testpay_invalid_card_numbers_are_refused_before_paying(testpay, card):
    session = testpay.gateway.create_checkout(checkout_request())
    attempt = testpay.gateway.pay(session.session_id, card)
    assert (attempt.succeeded, attempt.message, attempt.webhook) == (False, "Your card number is invalid.", None)


def test_testpay_paying_a_session_twice_repeats_the_same_event(testpay):
    session = testpay.gateway.create_checkout(checkout_request())
    first = testpay.gateway.pay(session.session_id, "4242424242424242")
    testpay.clock.now += 5
    second = testpay.gateway.pay(session.session_id, "4242424242424242")
    ids = {testpay.gateway.parse_webhook(a.webhook.payload, a.webhook.headers).event_id for a in (first, second)}
    assert len(ids) == 1  # the webhook handler records event ids, so the order is paid once


def test_testpay_refunds_are_idempotent_and_announced(testpay):
    session = testpay.gateway.create_checkout(checkout_request())
    paid = testpay.gateway.pay(session.session_id, "4242424242424242")
    first = testpay.gateway.refund(paid.payment_reference, 2500, "USD", "refund-1")
    again = testpay.gateway.refund(paid.payment_reference, 2500, "USD", "refund-1")
    other = testpay.gateway.refund(paid.payment_reference, 100, "USD", "refund-2")
    assert first == again
    assert first.refund_id != other.refund_id
    assert (first.amount, first.currency, first.status) == (2500, "USD", "succeeded")
    events = [testpay.gateway.parse_webhook(d.payload, d.headers) for d in testpay.sent]
    assert [e.kind for e in events] == [PaymentEventKind.REFUNDED] * 3
    assert events[0].event_id == events[1].event_id != events[2].event_id
    assert events[0].refunded_amount == 2500


@pytest.mark.parametrize(
    ("amount", "currency", "error"),
    [(2501, "USD", RefundRefused), (1000, "EUR", RefundRefused), (0, "USD", ValidationError)],
)
def test_testpay_refuses_refunds_the_payment_cannot_cover(testpay, amount, currency, error):
    session = testpay.gateway.create_checkout(checkout_request())
    paid = testpay.gateway.pay(session.session_id, "4242424242424242")
    with pytest.raises(error):
        testpay.gateway.refund(paid.payment_reference, amount, currency, "refund-x")
    assert testpay.sent == []


def test_testpay_is_refused_in_production():
    with pytest.raises(ConfigurationError) as caught:
        TestPayGateway.for_environment("production", TESTPAY_SECRET, BASE_URL, send_event=list().append)
    assert str(caught.value) == "The test payment gateway is refused in production."
    for env in ("development", "test"):
        assert TestPayGateway.for_environment(env, TESTPAY_SECRET, BASE_URL, send_event=list().append).name == "testpay"


@pytest.fixture
def webhook_endpoint():
    """A local HTTP endpoint that records what is POSTed; `answers` are its statuses in turn (then 200)."""
    received, answers = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, dict(self.headers), body))
            self.send_response(answers.pop(0) if answers else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received, answers
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_testpay_deliver_posts_the_signed_event(webhook_endpoint):
    base_url, received, _ = webhook_endpoint
    gateway = TestPayGateway(TESTPAY_SECRET, base_url, send_event=list().append)
    session = gateway.create_checkout(checkout_request())
    webhook = gateway.pay(session.session_id, "4242424242424242").webhook
    assert deliver(webhook.payload, webhook.headers, webhook.url) == 200
    [(path, headers, body)] = received
    assert path == "/api/webhooks/testpay"
    assert body == webhook.payload
    assert headers["Content-Type"] == "application/json"
    assert gateway.parse_webhook(body, headers).kind == PaymentEventKind.PAYMENT_SUCCEEDED


def test_the_testpay_pages_event_goes_as_a_job_that_tries_again(webhook_endpoint, tmp_path):
    base_url, received, answers = webhook_endpoint
    answers.append(503)  # the app is busy the first time
    configure_jobs(None, engine=engine_for(f"sqlite:///{tmp_path / 'jobs.db'}"))
    try:
        gateway = TestPayGateway(TESTPAY_SECRET, base_url, send_event=list().append)
        session = gateway.create_checkout(checkout_request())
        with payments.gateway.replaced(gateway):
            attempt = pay_on_test_page(session.session_id, "4242424242424242")
        assert attempt.succeeded
        assert wait_for_jobs(timeout=20)
    finally:
        shutdown_jobs(timeout=5)
    assert [body for _, _, body in received] == [attempt.webhook.payload] * 2
