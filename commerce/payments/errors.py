"""Errors raised by payment gateways.

Webhook errors are answered with an HTTP status and never shown to a person; each
carries the status the webhook route should return. Errors from talking to a
provider (checkout, refund) are DomainErrors with a sentence fit for the screen.
"""

from commerce.errors import DomainError, NotFound


class WebhookError(Exception):
    status_code = 400


class WebhookSignatureMissing(WebhookError):
    """The request has no signature header: answer 400."""

    status_code = 400


class WebhookSignatureInvalid(WebhookError):
    """The signature does not match, cannot be parsed, or its timestamp is too old: answer 401."""

    status_code = 401


class WebhookPayloadInvalid(WebhookError):
    """The signed body is not an event we can read: answer 400."""

    status_code = 400


class PaymentProviderError(DomainError):
    """The provider could not be reached or refused the request."""


class RefundRefused(PaymentProviderError):
    """The provider refused the refund (unknown payment, amount too large, ...)."""


class PaymentSessionNotFound(NotFound):
    """A checkout session id that no gateway issued (forged or mangled)."""


class PaymentSessionExpired(DomainError):
    """A checkout session older than its lifetime; the buyer must check out again."""
