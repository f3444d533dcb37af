"""TestPay: the embedded payment gateway for development and tests.

It behaves like a tiny Stripe: `create_checkout` returns a hosted payment page
URL (`<base_url>/testpay/<session_id>`, served by the app), the page calls `pay`
with a card number, and the outcome is announced by a signed webhook in Stripe's
event shape and signature scheme (header `TestPay-Signature`). It keeps no state:
the session id is a signed, timestamped token holding the session's data, and
payment references carry their own MAC, so any process holding the secret can
check them. Refused in production (`for_environment`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from commerce.config import ConfigurationError
from commerce.errors import ValidationError
from commerce.links import TESTPAY_PATH
from commerce.money import normalize_currency
from commerce.payments import signing
from commerce.payments.errors import (
    PaymentSessionExpired,
    PaymentSessionNotFound,
    RefundRefused,
    WebhookPayloadInvalid,
)
from commerce.payments.events import CHARGE_REFUNDED, CHECKOUT_COMPLETED, PAYMENT_INTENT_FAILED, to_gateway_event
from commerce.payments.port import CheckoutRequest, CheckoutSession, GatewayEvent, RefundResult, header_value

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "TestPay-Signature"
DEFAULT_WEBHOOK_PATH = "/api/webhooks/testpay"
CHECKOUT_PAGE_PATH = TESTPAY_PATH + "/"
SESSION_ID_PLACEHOLDER = "{CHECKOUT_SESSION_ID}"  # substituted in success_url, as Stripe does
_PAYMENT_REFERENCE = re.compile(r"pi_([0-9a-f]{16})_(\d+)_([A-Z]{3})_([0-9a-f]{24})")


@dataclass(frozen=True)
class _CardOutcome:
    succeeded: bool
    message: str | None = None
    code: str | None = None
    decline_code: str | None = None


# The well-known Stripe test cards, so the same numbers work on both gateways.
TEST_CARDS: dict[str, _CardOutcome] = {
    "4242424242424242": _CardOutcome(succeeded=True),
    "4000000000000002": _CardOutcome(False, "Your card was declined.", "card_declined", "generic_decline"),
    "4000000000009995": _CardOutcome(False, "Your card has insufficient funds.", "card_declined", "insufficient_funds"),
}
_NOT_A_TEST_CARD = _CardOutcome(
    False,
    "Your card was declined. This test gateway accepts test cards only, such as 4242 4242 4242 4242.",
    "card_declined",
    "test_mode_live_card",
)
INVALID_NUMBER_MESSAGE = "Your card number is invalid."


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


@dataclass(frozen=True)
class WebhookDelivery:
    """A signed event ready to be POSTed to the app's webhook endpoint."""

    url: str
    payload: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class TestPaySession:
    """What the hosted payment page shows, recovered from the session id."""

    __test__ = False  # not a pytest test class, despite the name

    session_id: str
    order_id: int
    order_reference: str
    amount: int
    currency: str
    success_url: str
    cancel_url: str
    expires_at: datetime
    payment_reference: str


@dataclass(frozen=True)
class PaymentAttempt:
    """The outcome of one card entered on the payment page.

    On success, `redirect_url` is the shop's success URL. A declined card comes
    with the message to show and a `payment_intent.payment_failed` event; an
    invalid card number is refused before any payment, so it has no event.
    """

    succeeded: bool
    message: str | None
    redirect_url: str | None
    payment_reference: str
    webhook: WebhookDelivery | None


def verified_event(payload: bytes, headers: Mapping[str, str], key: str, *, now: float, tolerance_seconds: int) -> dict:
    """A TestPay webhook's JSON body once its signature checks out (payments and Connect)."""
    signing.verify(payload, header_value(headers, SIGNATURE_HEADER), key, now=now, tolerance_seconds=tolerance_seconds)
    try:
        return json.loads(payload)
    except ValueError:
        raise WebhookPayloadInvalid("The webhook body is not JSON.") from None


def deliver(payload: bytes, headers: Mapping[str, str], url: str, *, timeout_seconds: float = 5.0) -> int:
    """POST a signed event to a webhook endpoint; returns the HTTP status.

    Raises httpx.TransportError when the endpoint cannot be reached.
    """
    response = httpx.post(
        url,
        content=payload,
        headers={"Content-Type": "application/json", **headers},
        timeout=timeout_seconds,
    )
    return response.status_code


class TestPayGateway:
    __test__ = False  # not a pytest test class, despite the name

    name = "testpay"

    def __init__(
        self,
        secret: str,
        base_url: str,
        webhook_path: str = DEFAULT_WEBHOOK_PATH,
        *,
        session_ttl: timedelta = timedelta(hours=24),
        tolerance_seconds: int = signing.DEFAULT_TOLERANCE_SECONDS,
        clock: Callable[[], float] = time.time,
        send_event: Callable[[WebhookDelivery], object],
    ):
        """`send_event` receives the signed events the gateway emits on its own (refunds);
        the app hands them to a job that POSTs them to `webhook_url` (`payments.tasks`)."""
        if not secret:
            raise ValueError("TestPay needs a secret")
        self.base_url = base_url.rstrip("/")
        self.webhook_url = self.base_url + "/" + webhook_path.lstrip("/")
        self._session_ttl = int(session_ttl.total_seconds())
        self._tolerance = tolerance_seconds
        self._clock = clock
        self._send_event = send_event
        # One secret, separate keys per purpose.
        self._webhook_key = self._derive(secret, "webhook-signing")
        self._reference_key = self._derive(secret, "payment-reference").encode("ascii")

        class _ClockedSigner(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock())

        self._sessions = URLSafeTimedSerializer(secret, salt="testpay.checkout-session", signer=_ClockedSigner)

    @classmethod
    def for_environment(cls, app_env: str, secret: str, base_url: str, **options: Any) -> TestPayGateway:
        if app_env == "production":
            raise ConfigurationError("The test payment gateway is refused in production.")
        return cls(secret, base_url, **options)

    @staticmethod
    def _derive(secret: str, purpose: str) -> str:
        return hmac.new(secret.encode("utf-8"), f"testpay:{purpose}".encode(), hashlib.sha256).hexdigest()

    def _mac(self, message: str, length: int = 24) -> str:
        return hmac.new(self._reference_key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:length]

    def _now(self) -> int:
        return int(self._clock())

    # -- checkout --------------------------------------------------------------

    def create_checkout(self, req: CheckoutRequest) -> CheckoutSession:
        token = self._sessions.dumps(
            {
                "n": secrets.token_hex(8),
                "o": req.order_id,
                "r": req.order_reference,
                "a": req.amount,
                "c": req.currency,
                "s": req.success_url,
                "x": req.cancel_url,
            }
        )
        return CheckoutSession(provider=self.name, session_id=token, redirect_url=self.checkout_url(token))

    def checkout_url(self, session_id: str) -> str:
        return f"{self.base_url}{CHECKOUT_PAGE_PATH}{session_id}"

    def describe_session(self, session_id: str) -> TestPaySession:
        """The payment page's data; PaymentSessionNotFound or PaymentSessionExpired otherwise."""
        try:
            data, issued_at = self._sessions.loads(session_id, max_age=self._session_ttl, return_timestamp=True)
        except SignatureExpired:
            raise PaymentSessionExpired(
                "This payment page has expired. Go back to your cart and check out again."
            ) from None
        except BadSignature:
            raise PaymentSessionNotFound("This payment page does not exist.") from None
        return TestPaySession(
            session_id=session_id,
            order_id=data["o"],
            order_reference=data["r"],
            amount=data["a"],
            currency=data["c"],
            success_url=data["s"],
            cancel_url=data["x"],
            expires_at=issued_at + timedelta(seconds=self._session_ttl),
            payment_reference=self._payment_reference(data["n"], data["a"], data["c"]),
        )

    def _payment_reference(self, nonce: str, amount: int, currency: str) -> str:
        body = f"{nonce}_{amount}_{currency}"
        return f"pi_{body}_{self._mac('payment:' + body)}"

    def _verified_payment(self, payment_reference: str) -> tuple[int, str]:
        match = _PAYMENT_REFERENCE.fullmatch(payment_reference or "")
        if match:
            nonce, amount, currency, mac = match.groups()
            if hmac.compare_digest(mac, self._mac(f"payment:{nonce}_{amount}_{currency}")):
                return int(amount), currency
        raise RefundRefused("There is no such payment to refund.")

    # -- paying ----------------------------------------------------------------

    def pay(self, session_id: str, card_number: str) -> PaymentAttempt:
        session = self.describe_session(session_id)
        digits = re.sub(r"[\s-]", "", card_number or "")
        if not (digits.isascii() and digits.isdigit() and 12 <= len(digits) <= 19 and luhn_valid(digits)):
            return PaymentAttempt(
                succeeded=False,
                message=INVALID_NUMBER_MESSAGE,
                redirect_url=None,
                payment_reference=session.payment_reference,
                webhook=None,
            )
        outcome = TEST_CARDS.get(digits, _NOT_A_TEST_CARD)
        metadata = {"order_id": str(session.order_id), "order_reference": session.order_reference}
        if outcome.succeeded:
            # One success event id per session: paying twice yields the same event, which
            # the webhook handler records once.
            event_id = "evt_" + self._mac("succeeded:" + session.payment_reference)
            event = self._event(
                event_id,
                CHECKOUT_COMPLETED,
                {
                    "id": session.session_id,
                    "object": "checkout.session",
                    "amount_total": session.amount,
                    "currency": session.currency.lower(),
                    "client_reference_id": session.order_reference,
                    "metadata": metadata,
                    "mode": "payment",
                    "payment_intent": session.payment_reference,
                    "payment_status": "paid",
                    "status": "complete",
                },
            )
            redirect = session.success_url.replace(SESSION_ID_PLACEHOLDER, session.session_id)
            return PaymentAttempt(
                succeeded=True,
                message=None,
                redirect_url=redirect,
                payment_reference=session.payment_reference,
                webhook=self.sign(event),
            )
        event = self._event(
            "evt_" + secrets.token_hex(12),
            PAYMENT_INTENT_FAILED,
            {
                "id": session.payment_reference,
                "object": "payment_intent",
                "amount": session.amount,
                "currency": session.currency.lower(),
                "status": "requires_payment_method",
                "metadata": metadata,
                "last_payment_error": {
                    "type": "card_error",
                    "code": outcome.code,
                    "decline_code": outcome.decline_code,
                    "message": outcome.message,
                },
            },
        )
        return PaymentAttempt(
            succeeded=False,
            message=outcome.message,
            redirect_url=None,
            payment_reference=session.payment_reference,
            webhook=self.sign(event),
        )

    # -- refunds ---------------------------------------------------------------

    def refund(self, payment_reference: str, amount: int, currency: str, idempotency_key: str) -> RefundResult:
        """Refund part or all of a payment and emit a signed `charge.refunded` event.

        TestPay keeps no ledger, so it checks each refund against the payment alone
        and its event reports this refund's amount as the amount refunded (a lower
        bound of the total, as GatewayEvent documents).
        """
        paid, paid_currency = self._verified_payment(payment_reference)
        code = normalize_currency(currency)
        if code != paid_currency:
            raise RefundRefused(f"The payment was made in {paid_currency}, not {code}.")
        if amount <= 0:
            raise ValidationError("A refund must be for a positive amount.", field="amount")
        if amount > paid:
            raise RefundRefused("The refund is larger than the payment.")
        # Same idempotency key, same refund (and same event id), as with Stripe.
        refund_id = "re_" + self._mac(f"refund:{payment_reference}:{idempotency_key}")
        event = self._event(
            "evt_" + self._mac("refunded:" + refund_id),
            CHARGE_REFUNDED,
            {
                "id": "ch_" + self._mac("charge:" + payment_reference),
                "object": "charge",
                "amount": paid,
                "amount_refunded": amount,
                "currency": code.lower(),
                "payment_intent": payment_reference,
                "refunded": amount == paid,
                "status": "succeeded",
                "metadata": {},
            },
        )
        self._send_event(self.sign(event))
        return RefundResult(refund_id=refund_id, amount=amount, currency=code, status="succeeded")

    # -- webhooks --------------------------------------------------------------

    def _event(self, event_id: str, event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": self._now(),
            "livemode": False,
            "data": {"object": obj},
        }

    def sign(self, event: Mapping[str, Any]) -> WebhookDelivery:
        """Serialise and sign an event the way `parse_webhook` expects it."""
        return self.sign_payload(json.dumps(event, separators=(",", ":")).encode("utf-8"))

    def sign_payload(self, payload: bytes) -> WebhookDelivery:
        """Sign a raw body, stamped with the current time."""
        header = signing.signature_header(payload, self._webhook_key, self._now())
        return WebhookDelivery(url=self.webhook_url, payload=payload, headers={SIGNATURE_HEADER: header})

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        event = verified_event(
            payload, headers, self._webhook_key, now=self._clock(), tolerance_seconds=self._tolerance
        )
        return to_gateway_event(self.name, event, lambda amount, _currency: amount)
