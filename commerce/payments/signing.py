"""Webhook signatures in Stripe's scheme, for the embedded test gateway.

Header value: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`; a
header may carry several `v1` entries (during secret rotation) and one match is
enough. The Stripe adapter verifies with the `stripe` library instead.
"""

from __future__ import annotations

import hashlib
import hmac

from commerce.payments.errors import WebhookPayloadInvalid, WebhookSignatureInvalid, WebhookSignatureMissing

SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300  # Stripe's default too


def compute_signature(payload: bytes, secret: str, timestamp: int) -> str:
    signed = str(timestamp).encode("ascii") + b"." + payload
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    return f"t={timestamp},{SCHEME}={compute_signature(payload, secret, timestamp)}"


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not (value.isascii() and value.isdigit()):
                raise WebhookSignatureInvalid("The signature timestamp is not a number.")
            timestamp = int(value)
        elif key == SCHEME:
            signatures.append(value)
    if timestamp is None:
        raise WebhookSignatureInvalid("The signature header has no timestamp.")
    if not signatures:
        raise WebhookSignatureInvalid(f"The signature header has no {SCHEME} signature.")
    return timestamp, signatures


def verify(payload: bytes, header: str | None, secret: str, *, now: float, tolerance_seconds: int) -> int:
    """Check `header` against `payload`; returns the signed timestamp.

    A timestamp further than `tolerance_seconds` from `now`, in either direction,
    is refused, which bounds how long a captured delivery can be replayed; replays
    inside the window are caught by recording event ids.
    """
    if not header:
        raise WebhookSignatureMissing("The webhook has no signature header.")
    if not isinstance(payload, (bytes, bytearray)):
        raise WebhookPayloadInvalid("The webhook body must be bytes.")
    timestamp, signatures = _parse_header(header)
    expected = compute_signature(bytes(payload), secret, timestamp).encode("ascii")
    # Compare bytes: compare_digest refuses non-ASCII str, and a header is attacker input.
    if not any(hmac.compare_digest(expected, candidate.encode("utf-8")) for candidate in signatures):
        raise WebhookSignatureInvalid("The webhook signature does not match its body.")
    if abs(now - timestamp) > tolerance_seconds:
        raise WebhookSignatureInvalid("The webhook signature is too old or from the future.")
    return timestamp
