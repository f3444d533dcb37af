"""The event types a seller can subscribe an endpoint to, with what each means."""

from __future__ import annotations

EVENT_TYPES: dict[str, str] = {
    "order.paid": "An order with your products was paid.",
    "order.refunded": "Your products in an order were refunded, in part or in full.",
    "order.disputed": "A buyer disputed the payment of an order with your products.",
    "license_key.activated": "A license key of yours was activated on a new instance.",
    "license_key.deactivated": "A license key of yours was deactivated on an instance.",
    "product.published": "You published a product (it goes to moderation before buyers see it).",
    "product.version_released": "You released a new version of a product.",
    "review.created": "A buyer reviewed one of your products.",
    "payout.paid": "A payout to your account was paid.",
    "payout.failed": "A payout to your account failed; the money is back in your balance.",
}


def parse_event_types(chosen: object) -> tuple[str, ...]:
    """The known types among `chosen` (a list of names or a space/comma-separated text), in
    catalogue order; ValueError when it names none or an unknown one."""
    if isinstance(chosen, str):
        names = chosen.replace(",", " ").split()
    elif isinstance(chosen, list | tuple | set | frozenset):
        names = [name for name in chosen if isinstance(name, str)]
        if len(names) != len(chosen):
            raise ValueError("Choose event types from the list.")
    else:
        raise ValueError("Choose event types from the list.")
    unknown = sorted(set(names) - EVENT_TYPES.keys())
    if unknown:
        raise ValueError(f"Unknown event type: {', '.join(unknown)}.")
    if not names:
        raise ValueError("Choose at least one event to send.")
    return tuple(name for name in EVENT_TYPES if name in names)
