"""The PaymentGateway port and the plain values that cross it.

Amounts are integer minor units of the ISO 4217 currency (as in `commerce.money`),
whatever representation the provider uses on the wire; currencies are upper case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from commerce.kit.slot import Slot
from commerce.models import PaymentEventKind
from commerce.money import normalize_currency


@dataclass(frozen=True)
class CheckoutLine:
    """One line of the payment page: `amount` is the unit price in minor units."""

    name: str
    amount: int
    quantity: int = 1

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a checkout line needs a name")
        if self.amount < 0:
            raise ValueError(f"line amount cannot be negative, got {self.amount}")
        if self.quantity < 1:
            raise ValueError(f"line quantity must be at least 1, got {self.quantity}")


@dataclass(frozen=True)
class CheckoutRequest:
    """Everything a gateway needs to open a hosted payment page for one order.

    The lines must add up to `amount`: providers charge the sum of the lines, so a
    mismatch would charge something other than the order total. When an
    order-level discount has been spread over the lines (`commerce.money.allocate`)
    pass each line with quantity 1 and its discounted total.
    """

    order_id: int
    order_reference: str
    amount: int
    currency: str
    lines: tuple[CheckoutLine, ...]
    customer_email: str | None
    success_url: str
    cancel_url: str
    idempotency_key: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", normalize_currency(self.currency))
        object.__setattr__(self, "lines", tuple(self.lines))
        if not self.lines:
            raise ValueError("a checkout needs at least one line")
        if self.amount <= 0:
            raise ValueError(f"a checkout amount must be positive, got {self.amount}")
        lines_total = sum(line.amount * line.quantity for line in self.lines)
        if lines_total != self.amount:
            raise ValueError(f"lines add up to {lines_total}, not to the amount {self.amount}")
        if not self.order_reference or not self.idempotency_key:
            raise ValueError("order_reference and idempotency_key are required")


@dataclass(frozen=True)
class CheckoutSession:
    provider: str
    session_id: str
    redirect_url: str


@dataclass(frozen=True)
class GatewayEvent:
    """A verified webhook event, reduced to what the order lifecycle needs.

    `event_id` is the provider's id; the caller records it and handles each event
    once. `payment_reference` identifies the payment at the provider (a Stripe
    PaymentIntent id) and is what `PaymentGateway.refund` takes.
    `refunded_amount` is the total refunded on the payment as far as the provider
    reports it; treat it as a lower bound (keep the larger of it and what you have
    recorded), since events can arrive out of order.
    """

    provider: str
    event_id: str
    kind: PaymentEventKind
    order_reference: str | None
    session_id: str | None
    payment_reference: str | None
    amount: int | None
    currency: str | None
    refunded_amount: int | None
    failure_message: str | None
    created: datetime
    raw_type: str


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    amount: int
    currency: str
    status: str  # the provider's status: "succeeded", "pending", "failed", ...


@runtime_checkable
class PaymentGateway(Protocol):
    name: str

    def create_checkout(self, req: CheckoutRequest) -> CheckoutSession:
        """Open a hosted payment page; raises PaymentProviderError when that fails."""
        ...

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        """Verify and read one webhook delivery.

        Raises WebhookSignatureMissing (HTTP 400), WebhookSignatureInvalid (401) or
        WebhookPayloadInvalid (400).
        """
        ...

    def refund(self, payment_reference: str, amount: int, currency: str, idempotency_key: str) -> RefundResult:
        """Refund `amount` of a payment; raises RefundRefused when the provider says no."""
        ...


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup that works on plain dicts and on Starlette headers."""
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, candidate in headers.items():
        if key.lower() == wanted:
            return candidate
    return None


# Plugged in by commerce.wiring: Stripe when STRIPE_SECRET_KEY is set, else TestPay.
gateway: Slot[PaymentGateway] = Slot("payment gateway")
