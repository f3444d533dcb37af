"""Stripe behind the PaymentGateway port: hosted Checkout, signed webhooks, refunds.

Uses the official `stripe` library through a `StripeClient`. Checkout Sessions
carry the order reference as `client_reference_id` and in metadata (on the
session and on its PaymentIntent, so payment_intent.* events can be traced back
to the order too).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

import stripe as stripe_lib

if TYPE_CHECKING:
    from stripe.params.checkout import SessionCreateParams

from commerce.errors import ValidationError
from commerce.money import Money, currency_exponent, format_money, normalize_currency
from commerce.payments.errors import (
    PaymentProviderError,
    RefundRefused,
    WebhookPayloadInvalid,
    WebhookSignatureInvalid,
    WebhookSignatureMissing,
)
from commerce.payments.events import to_gateway_event
from commerce.payments.port import CheckoutRequest, CheckoutSession, GatewayEvent, RefundResult, header_value

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Stripe-Signature"
DEFAULT_TOLERANCE_SECONDS = 300
UNREACHABLE_MESSAGE = "The payment provider could not be reached. Please try again in a moment."

# https://docs.stripe.com/currencies: Stripe's own minor units, which differ from
# ISO 4217 for a few currencies (ISK is zero-decimal in ISO but two-decimal in
# Stripe's API; three-decimal amounts must end in 0).
ZERO_DECIMAL = frozenset(
    ["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"]
)
THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])


def stripe_exponent(currency: str) -> int:
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def to_stripe_amount(amount: int, currency: str) -> int:
    """ISO minor units -> the integer Stripe expects; ValidationError if Stripe cannot take it."""
    shift = stripe_exponent(currency) - currency_exponent(currency)
    if shift >= 0:
        wire = amount * 10**shift
    else:
        wire, rest = divmod(amount, 10**-shift)
        if rest:
            raise ValidationError(
                f"Stripe cannot charge {format_money(Money(amount, currency))}: "
                f"{currency} amounts must be whole multiples of {10**-shift} minor units there."
            )
    if currency in THREE_DECIMAL and wire % 10:
        raise ValidationError(
            f"Stripe charges {currency} in steps of ten minor units; "
            f"{format_money(Money(amount, currency))} must be rounded to the nearest ten."
        )
    return wire


def from_stripe_amount(wire: int, currency: str) -> int:
    """Stripe's integer amount -> ISO minor units; ValueError if it does not fit exactly."""
    shift = stripe_exponent(currency) - currency_exponent(currency)
    if shift <= 0:
        return wire * 10**-shift
    amount, rest = divmod(wire, 10**shift)
    if rest:
        raise ValueError(f"{wire} is not a whole number of {currency} minor units")
    return amount


def stripe_client(
    secret_key: str,
    *,
    api_base: str | None,
    http_client: stripe_lib.HTTPClient | None,
    timeout_seconds: float,
    max_network_retries: int,
) -> stripe_lib.StripeClient:
    """The official client; `api_base` and `http_client` point it elsewhere (a local stub in tests)."""
    if not secret_key:
        raise ValueError("a Stripe secret key is required")
    return stripe_lib.StripeClient(
        secret_key,
        base_addresses={"api": api_base} if api_base else None,
        # Retried requests reuse the idempotency key, so a retry never charges or pays twice.
        max_network_retries=max_network_retries,
        http_client=http_client or stripe_lib.new_default_http_client(timeout=timeout_seconds),
    )


class StripeGateway:
    name = "stripe"

    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        *,
        api_base: str | None = None,
        http_client: stripe_lib.HTTPClient | None = None,
        timeout_seconds: float = 20.0,
        max_network_retries: int = 2,
        tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    ):
        """`api_base` and `http_client` point the client elsewhere (a local stub in tests)."""
        if not webhook_secret or not webhook_secret.strip():
            raise ValueError("a Stripe webhook signing secret is required")
        self._webhook_secret = webhook_secret
        self._tolerance = tolerance_seconds
        self._client = stripe_client(
            secret_key,
            api_base=api_base,
            http_client=http_client,
            timeout_seconds=timeout_seconds,
            max_network_retries=max_network_retries,
        )

    def create_checkout(self, req: CheckoutRequest) -> CheckoutSession:
        order_metadata = {"order_id": str(req.order_id), "order_reference": req.order_reference}
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": line.quantity,
                    "price_data": {
                        "currency": req.currency.lower(),
                        "unit_amount": to_stripe_amount(line.amount, req.currency),
                        "product_data": {"name": line.name},
                    },
                }
                for line in req.lines
            ],
            "client_reference_id": req.order_reference,
            "metadata": order_metadata,
            "payment_intent_data": {"metadata": order_metadata},
            "success_url": req.success_url,
            "cancel_url": req.cancel_url,
        }
        if req.customer_email:
            params["customer_email"] = req.customer_email
        try:
            session = self._client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": req.idempotency_key}
            )
        except stripe_lib.APIConnectionError as exc:
            log.warning("Stripe unreachable for checkout of order %s: %s", req.order_reference, exc)
            raise PaymentProviderError(UNREACHABLE_MESSAGE) from exc
        except stripe_lib.StripeError as exc:
            log.warning("Stripe refused checkout for order %s: %s", req.order_reference, exc)
            raise PaymentProviderError(
                "The payment provider could not start the checkout. Please try again in a moment."
            ) from exc
        if not session.url:  # a hosted checkout always has one; without it there is nowhere to send the buyer
            raise PaymentProviderError("The payment provider did not return a payment page. Please try again.")
        return CheckoutSession(provider=self.name, session_id=session.id, redirect_url=session.url)

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        header = header_value(headers, SIGNATURE_HEADER)
        if not header:
            raise WebhookSignatureMissing(f"The webhook has no {SIGNATURE_HEADER} header.")
        try:
            body = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            raise WebhookPayloadInvalid("The webhook body is not UTF-8.") from None
        try:
            event = self._client.construct_event(body, header, self._webhook_secret, self._tolerance)
        except stripe_lib.SignatureVerificationError as exc:
            raise WebhookSignatureInvalid(str(exc)) from None
        except (TypeError, UnicodeError):
            # The library's constant-time compare refuses non-ASCII signatures.
            raise WebhookSignatureInvalid("The webhook signature is malformed.") from None
        except (ValueError, AttributeError) as exc:
            # Bad JSON, a JSON value that is not an object, or a v2 "thin" event.
            raise WebhookPayloadInvalid(f"The webhook body is not a Stripe event: {exc}") from None
        return to_gateway_event(self.name, event.to_dict(), from_stripe_amount)

    def refund(self, payment_reference: str, amount: int, currency: str, idempotency_key: str) -> RefundResult:
        code = normalize_currency(currency)
        if amount <= 0:
            raise ValidationError("A refund must be for a positive amount.", field="amount")
        try:
            refund = self._client.v1.refunds.create(
                params={"payment_intent": payment_reference, "amount": to_stripe_amount(amount, code)},
                options={"idempotency_key": idempotency_key},
            )
        except stripe_lib.InvalidRequestError as exc:
            # Stripe's message says why ("Charge ch_... has already been refunded.").
            log.warning("Stripe refused a refund on %s: %s", payment_reference, exc)
            raise RefundRefused(exc.user_message or "The payment provider refused the refund.") from exc
        except stripe_lib.APIConnectionError as exc:
            # Unknown outcome: retrying with the same idempotency key is safe.
            log.warning("Stripe unreachable for a refund on %s: %s", payment_reference, exc)
            raise PaymentProviderError(UNREACHABLE_MESSAGE) from exc
        except stripe_lib.StripeError as exc:
            log.warning("Stripe refund on %s failed: %s", payment_reference, exc)
            raise PaymentProviderError(
                "The payment provider could not complete the refund. Please try again later."
            ) from exc
        refund_currency = normalize_currency(refund.currency)
        return RefundResult(
            refund_id=refund.id,
            amount=from_stripe_amount(refund.amount, refund_currency),
            currency=refund_currency,
            status=refund.status or "unknown",
        )
