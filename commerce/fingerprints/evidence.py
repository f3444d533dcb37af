"""What reading a file found, layer by layer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class LayerOutcome(StrEnum):
    VERIFIED = "verified"  # a mark whose MAC checks out
    TAMPERED = "tampered"  # a mark is there, but its MAC does not match what it names
    ABSENT = "absent"  # nothing found in this layer


@dataclass(frozen=True)
class LayerEvidence:
    layer: str  # e.g. "PDF XMP metadata", "Image signal (DWT-DCT-SVD)"
    outcome: LayerOutcome
    order_line_id: int | None = None
    detail: str = ""


def judge(key: bytes, layer: str, payload: bytes | None, detail: str = "") -> LayerEvidence:
    """A layer's finding: absent, or the order line its payload names and whether the MAC holds."""
    from commerce.fingerprints.payload import check

    if payload is None:
        return LayerEvidence(layer=layer, outcome=LayerOutcome.ABSENT, detail=detail)
    reading = check(key, payload)
    outcome = LayerOutcome.VERIFIED if reading.genuine else LayerOutcome.TAMPERED
    return LayerEvidence(layer=layer, outcome=outcome, order_line_id=reading.order_line_id, detail=detail)
