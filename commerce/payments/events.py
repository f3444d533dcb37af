"""Reading Stripe-shaped events into GatewayEvent.

Stripe and the embedded test gateway both send events in Stripe's shape
(`{"id", "type", "created", "data": {"object": {...}}}`), so one mapping serves
both; each gateway passes a function turning a provider amount into ISO minor
units (Stripe's wire amounts differ from ISO for a few currencies such as ISK).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from commerce.errors import ValidationError
from commerce.models import PaymentEventKind
from commerce.money import normalize_currency
from commerce.payments.errors import WebhookPayloadInvalid
from commerce.payments.port import GatewayEvent

AmountReader = Callable[[int, str], int]

CHECKOUT_COMPLETED = "checkout.session.completed"
CHECKOUT_ASYNC_SUCCEEDED = "checkout.session.async_payment_succeeded"
CHECKOUT_ASYNC_FAILED = "checkout.session.async_payment_failed"
PAYMENT_INTENT_FAILED = "payment_intent.payment_failed"
CHARGE_REFUNDED = "charge.refunded"
DISPUTE_CREATED = "charge.dispute.created"

ASYNC_PAYMENT_FAILED_MESSAGE = "The payment did not go through."


def _require(mapping: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = mapping.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise WebhookPayloadInvalid(f"The event has no valid {key!r}.")
    return value


def _optional_str(mapping: Mapping[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    if isinstance(value, str) and value:
        return value
    if isinstance(value, Mapping):  # an expanded object instead of its id
        nested = value.get("id")
        return nested if isinstance(nested, str) else None
    return None


def _metadata(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    metadata = obj.get("metadata")
    return metadata if isinstance(metadata, Mapping) else {}


def _currency(obj: Mapping[str, Any]) -> str:
    raw = _require(obj, "currency", str)
    try:
        return normalize_currency(raw)
    except ValidationError:
        raise WebhookPayloadInvalid(f"The event has an unknown currency {raw!r}.") from None


def _amount(obj: Mapping[str, Any], key: str, currency: str, read_amount: AmountReader) -> int:
    try:
        return read_amount(_require(obj, key, int), currency)
    except ValueError as exc:
        raise WebhookPayloadInvalid(f"The event's {key!r} cannot be read: {exc}") from None


def to_gateway_event(provider: str, event: Mapping[str, Any], read_amount: AmountReader) -> GatewayEvent:
    """Map a verified Stripe-shaped event; unknown types come back as ignored."""
    if not isinstance(event, Mapping):
        raise WebhookPayloadInvalid("The event is not a JSON object.")
    event_id = _require(event, "id", str)
    raw_type = _require(event, "type", str)
    try:
        created = datetime.fromtimestamp(_require(event, "created", int), tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise WebhookPayloadInvalid("The event's 'created' time is out of range.") from None
    base = dict(
        provider=provider,
        event_id=event_id,
        raw_type=raw_type,
        created=created,
        order_reference=None,
        session_id=None,
        payment_reference=None,
        amount=None,
        currency=None,
        refunded_amount=None,
        failure_message=None,
    )

    if raw_type not in _HANDLED:
        return GatewayEvent(kind=PaymentEventKind.IGNORED, **base)
    data = _require(event, "data", Mapping)
    obj = _require(data, "object", Mapping)
    kind, fields = _HANDLED[raw_type](obj, read_amount)
    base.update(fields)
    return GatewayEvent(kind=kind, **base)


def _order_reference(obj: Mapping[str, Any]) -> str | None:
    return _optional_str(obj, "client_reference_id") or _optional_str(_metadata(obj), "order_reference")


def _checkout_session(
    obj: Mapping[str, Any], read_amount: AmountReader, kind: PaymentEventKind
) -> tuple[PaymentEventKind, dict]:
    currency = _currency(obj)
    return kind, dict(
        order_reference=_order_reference(obj),
        session_id=_require(obj, "id", str),
        payment_reference=_optional_str(obj, "payment_intent"),
        amount=_amount(obj, "amount_total", currency, read_amount),
        currency=currency,
        failure_message=ASYNC_PAYMENT_FAILED_MESSAGE if kind == PaymentEventKind.PAYMENT_FAILED else None,
    )


def _checkout_completed(obj: Mapping[str, Any], read_amount: AmountReader) -> tuple[PaymentEventKind, dict]:
    # "unpaid" means a delayed method (bank debit) is still settling; the outcome
    # arrives later as async_payment_succeeded or async_payment_failed.
    if obj.get("payment_status") not in ("paid", "no_payment_required"):
        return PaymentEventKind.IGNORED, {}
    return _checkout_session(obj, read_amount, PaymentEventKind.PAYMENT_SUCCEEDED)


def _checkout_async_succeeded(obj: Mapping[str, Any], read_amount: AmountReader) -> tuple[PaymentEventKind, dict]:
    return _checkout_session(obj, read_amount, PaymentEventKind.PAYMENT_SUCCEEDED)


def _checkout_async_failed(obj: Mapping[str, Any], read_amount: AmountReader) -> tuple[PaymentEventKind, dict]:
    return _checkout_session(obj, read_amount, PaymentEventKind.PAYMENT_FAILED)


def _payment_intent_failed(obj: Mapping[str, Any], read_amount: AmountReader) -> tuple[PaymentEventKind, dict]:
    currency = _currency(obj)
    error = obj.get("last_payment_error")
    message = error.get("message") if isinstance(error, Mapping) else None
    return PaymentEventKind.PAYMENT_FAILED, dict(
        order_reference=_optional_str(_metadata(obj), "order_reference"),
        payment_reference=_require(obj, "id", str),
        amount=_amount(obj, "amount", currency, read_amount),
        currency=currency,
        failure_message=message if isinstance(message, str) and message else "The payment failed.",
    )


def _charge_refunded(obj: Mapping[str, Any], read_amount: AmountReader) -> tuple[PaymentEventKind, dict]:
    currency = _currency(obj)
    return PaymentEventKind.REFUNDED, dict(
        order_reference=_optional_str(_metadata(obj), "order_reference"),
        # Refunds and payments are keyed by PaymentIntent; a bare charge (no
        # intent) is still identified by its own id.
        payment_reference=_optional_str(obj, "payment_intent") or _require(obj, "id", str),
        amount=_amount(obj, "amount", currency, read_amount),
        currency=currency,
        refunded_amount=_amount(obj, "amount_refunded", currency, read_amount),
    )


def _dispute_created(obj: Mapping[str, Any], read_amount: AmountReader) -> tuple[PaymentEventKind, dict]:
    currency = _currency(obj)
    return PaymentEventKind.DISPUTED, dict(
        order_reference=_optional_str(_metadata(obj), "order_reference"),
        payment_reference=_optional_str(obj, "payment_intent") or _optional_str(obj, "charge"),
        amount=_amount(obj, "amount", currency, read_amount),
        currency=currency,
    )


_HANDLED: dict[str, Callable[[Mapping[str, Any], AmountReader], tuple[PaymentEventKind, dict]]] = {
    CHECKOUT_COMPLETED: _checkout_completed,
    CHECKOUT_ASYNC_SUCCEEDED: _checkout_async_succeeded,
    CHECKOUT_ASYNC_FAILED: _checkout_async_failed,
    PAYMENT_INTENT_FAILED: _payment_intent_failed,
    CHARGE_REFUNDED: _charge_refunded,
    DISPUTE_CREATED: _dispute_created,
}
