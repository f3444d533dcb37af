"""Payments: the PaymentGateway port and its adapters.

`commerce.payments.stripe.StripeGateway` talks to Stripe; `commerce.payments.testpay.TestPayGateway`
is the embedded default (refused in production). `commerce.wiring` picks one from settings.
The adapters are imported from their modules, so importing this package stays light.
"""

from commerce.payments.errors import (
    PaymentProviderError,
    PaymentSessionExpired,
    PaymentSessionNotFound,
    RefundRefused,
    WebhookError,
    WebhookPayloadInvalid,
    WebhookSignatureInvalid,
    WebhookSignatureMissing,
)
from commerce.payments.port import (
    CheckoutLine,
    CheckoutRequest,
    CheckoutSession,
    GatewayEvent,
    PaymentGateway,
    RefundResult,
    gateway,
)

__all__ = [
    "gateway",
    "CheckoutLine",
    "CheckoutRequest",
    "CheckoutSession",
    "GatewayEvent",
    "PaymentGateway",
    "PaymentProviderError",
    "PaymentSessionExpired",
    "PaymentSessionNotFound",
    "RefundRefused",
    "RefundResult",
    "WebhookError",
    "WebhookPayloadInvalid",
    "WebhookSignatureInvalid",
    "WebhookSignatureMissing",
]
