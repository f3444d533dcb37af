"""The mark every copy carries: an order line id and a keyed MAC over it.

Eight bytes: the order line id (32 bits, big-endian) and the first four bytes of
HMAC-SHA256 under a key derived from the app's secret. Without the secret nobody
can make a valid mark for a purchase, and changing the id of a real mark (moving
it to another purchase) breaks the MAC. Text layers write it as ``FP1-<16 hex>``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import struct
from dataclasses import dataclass

PAYLOAD_BYTES = 8
PAYLOAD_BITS = PAYLOAD_BYTES * 8
TEXT_PREFIX = "FP1-"
TEXT_PATTERN = re.compile(r"FP1-([0-9a-fA-F]{16})")
MAX_LINE_ID = 2**32 - 1


def mark_key(secret: str) -> bytes:
    """The MAC key, kept apart from every other use of the app's secret."""
    return hashlib.sha256(b"fingerprints:v1:" + secret.encode()).digest()


def _mac(key: bytes, line_id_bytes: bytes) -> bytes:
    return hmac.new(key, b"order-line:" + line_id_bytes, hashlib.sha256).digest()[:4]


def make(key: bytes, order_line_id: int) -> bytes:
    if not 0 < order_line_id <= MAX_LINE_ID:
        raise ValueError("order_line_id does not fit a fingerprint")
    raw = struct.pack(">I", order_line_id)
    return raw + _mac(key, raw)


def as_text(payload: bytes) -> str:
    return TEXT_PREFIX + payload.hex()


def from_text(text: str) -> bytes | None:
    found = TEXT_PATTERN.search(text or "")
    return bytes.fromhex(found.group(1)) if found else None


@dataclass(frozen=True)
class Reading:
    """What a payload says: the order line it names, and whether the MAC proves it."""

    order_line_id: int
    genuine: bool


def check(key: bytes, payload: bytes) -> Reading:
    if len(payload) != PAYLOAD_BYTES:
        return Reading(order_line_id=0, genuine=False)
    raw, tag = payload[:4], payload[4:]
    return Reading(order_line_id=struct.unpack(">I", raw)[0], genuine=hmac.compare_digest(tag, _mac(key, raw)))


def image_seeds(key: bytes) -> tuple[int, int]:
    """The secret shuffles of the image watermark (block order and bit order)."""
    digest = hashlib.sha256(b"image-seeds:" + key).digest()
    return int.from_bytes(digest[:4], "big") % (2**31), int.from_bytes(digest[4:8], "big") % (2**31)
