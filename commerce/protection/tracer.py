"""The leak tracer: read every fingerprint layer of a suspicious file, verify each MAC,
and name the order line a genuine mark points to, as the caller may see it.

A seller traces files against their own shop's sales (a genuine mark of another
shop's sale is reported as such, without its details); an admin against every sale.
The buyer is shown as the shop's privacy settings allow: the email if the buyer
shares it with sellers, otherwise the shop's pseudonym for them (admins see the email).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlmodel import Session, col, select

from commerce import audit, storage
from commerce.actor import Actor, require_signed_in
from commerce.catalog.access import actor_shop
from commerce.config import get_settings
from commerce.errors import Conflict, NotFound, ValidationError
from commerce.fingerprints import formats, payload
from commerce.fingerprints.evidence import LayerEvidence, LayerOutcome
from commerce.kit.time import utcnow
from commerce.models import (
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderLine,
    OrderTransition,
    Product,
    ProductFile,
    Shop,
    saved_id,
)
from commerce.notifications.preferences import buyers_as_seen_by_shop
from commerce.orders import lifecycle

# Unmarked images of the seller's to align a cropped suspect against, newest first.
MAX_ORIGINALS = 20
MAX_ORIGINAL_BYTES = 25 * 1024 * 1024
MAX_SUSPECT_BYTES = 200 * 1024 * 1024
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
REVOKE_REASON = "a leaked copy was traced to this purchase"


class Verdict(StrEnum):
    TRACED = "traced"  # genuine marks, all naming one of the caller's sales
    CONFLICT = "conflict"  # genuine marks naming different purchases (copies were combined)
    TAMPERED = "tampered"  # marks found, none genuine: altered, moved or forged
    ELSEWHERE = "elsewhere"  # a genuine mark of a sale the caller cannot see
    NONE = "none"  # no mark in any layer


@dataclass(frozen=True)
class LayerRow:
    layer: str
    outcome: str  # a LayerOutcome
    outcome_label: str
    order_line_id: int  # 0 when the layer names none
    detail: str


@dataclass(frozen=True)
class TracedPurchase:
    order_line_id: int
    order_reference: str
    product_title: str
    buyer: str
    purchased_label: str
    access_granted: bool


@dataclass(frozen=True)
class TraceReport:
    filename: str
    kind_label: str
    verdict: str  # a Verdict
    headline: str
    confidence: str
    layers: list[LayerRow]
    purchase: TracedPurchase | None


_OUTCOME_LABELS = {
    LayerOutcome.VERIFIED: "Genuine mark",
    LayerOutcome.TAMPERED: "Altered or forged",
    LayerOutcome.ABSENT: "Not found",
}


def _caller_shop(s: Session, actor: Actor) -> Shop | None:
    """None for an admin (every sale); the actor's own shop for a seller; else refused."""
    require_signed_in(actor)
    return None if actor.is_admin else actor_shop(s, actor)


def _originals(s: Session, shop: Shop | None) -> list[bytes]:
    query = select(ProductFile).where(
        col(ProductFile.content_type).in_(IMAGE_TYPES), ProductFile.size_bytes <= MAX_ORIGINAL_BYTES
    )
    if shop is not None:
        query = query.join(Product, col(Product.id) == col(ProductFile.product_id)).where(Product.shop_id == shop.id)
    files = s.exec(query.order_by(col(ProductFile.id).desc()).limit(MAX_ORIGINALS)).all()
    store = storage.blob_store()
    blobs = []
    for file in files:
        with store.open(file.blob_key) as reader:
            blobs.append(reader.read())
    return blobs


def _purchase(s: Session, line: OrderLine, shop: Shop | None) -> TracedPurchase:
    order = s.get_one(Order, line.order_id)
    buyer = (
        order.email
        if shop is None
        else buyers_as_seen_by_shop(s, line.shop_id, {order.buyer_id: order.email})[order.buyer_id]
    )
    granted = s.exec(
        select(Fulfilment.id).where(Fulfilment.order_line_id == line.id, Fulfilment.status == FulfilmentStatus.GRANTED)
    ).first()
    paid = order.paid_at or order.created_at
    return TracedPurchase(
        order_line_id=saved_id(line),
        order_reference=order.reference,
        product_title=line.title,
        buyer=buyer,
        purchased_label=f"{paid:%-d %b %Y %H:%M} UTC",
        access_granted=granted is not None,
    )


def _rows(evidence: list[LayerEvidence]) -> list[LayerRow]:
    return [
        LayerRow(
            layer=e.layer,
            outcome=e.outcome.value,
            outcome_label=_OUTCOME_LABELS[e.outcome],
            order_line_id=e.order_line_id or 0 if e.outcome == LayerOutcome.VERIFIED else 0,
            detail=e.detail,
        )
        for e in evidence
    ]


def judge_evidence(
    s: Session, shop: Shop | None, filename: str, kind_label: str, evidence: list[LayerEvidence]
) -> TraceReport:
    """The verdict on what the layers found, as the caller (shop, or None for an admin) may see it."""
    genuine = Counter(e.order_line_id for e in evidence if e.outcome == LayerOutcome.VERIFIED and e.order_line_id)
    tampered = sum(1 for e in evidence if e.outcome == LayerOutcome.TAMPERED)
    found = sum(1 for e in evidence if e.outcome != LayerOutcome.ABSENT)

    def report(verdict: Verdict, headline: str, confidence: str, purchase: TracedPurchase | None = None):
        return TraceReport(
            filename=filename,
            kind_label=kind_label,
            verdict=verdict.value,
            headline=headline,
            confidence=confidence,
            layers=_rows(evidence),
            purchase=purchase,
        )

    if not genuine:
        if tampered:
            return report(
                Verdict.TAMPERED,
                "A fingerprint was found, but it has been altered or forged: it does not prove any purchase.",
                f"{tampered} layer{'s' if tampered != 1 else ''} carried a mark whose code does not verify.",
            )
        return report(Verdict.NONE, "No fingerprint was found in this file.", "No layer carried a mark.")
    lines = {
        line.id: line
        for line in s.exec(select(OrderLine).where(col(OrderLine.id).in_(list(genuine)))).all()
        if shop is None or line.shop_id == shop.id
    }
    if not lines:
        return report(
            Verdict.ELSEWHERE,
            "This file carries a genuine fingerprint, but of a purchase from another shop.",
            "The mark verified; its details belong to that shop.",
        )
    line_id, layers_agreeing = max(((i, n) for i, n in genuine.items() if i in lines), key=lambda pair: pair[1])
    purchase = _purchase(s, lines[line_id], shop)
    confidence = f"Verified in {layers_agreeing} of {found} layer{'s' if found != 1 else ''} that carried a mark"
    if tampered:
        confidence += f"; {tampered} other layer{'s were' if tampered != 1 else ' was'} altered"
    if len(genuine) > 1:
        return report(
            Verdict.CONFLICT,
            "Genuine fingerprints of more than one purchase were found: "
            "this file was put together from several copies.",
            confidence + ". The purchase shown carries the most layers.",
            purchase,
        )
    return report(
        Verdict.TRACED, f"This copy was sold with order {purchase.order_reference}.", confidence + ".", purchase
    )


def trace_leak(s: Session, actor: Actor, path: Path, filename: str) -> TraceReport:
    """Read the suspicious file at `path` (uploaded as `filename`) and say whose copy it is."""
    shop = _caller_shop(s, actor)
    name = (filename or "the file")[:255]
    size = path.stat().st_size
    if size == 0:
        return judge_evidence(s, shop, name, "empty file", [])
    if size > MAX_SUSPECT_BYTES:
        raise ValidationError(f"Trace files up to {MAX_SUSPECT_BYTES // (1024 * 1024)} MB.", "file")
    key = payload.mark_key(get_settings().secret_key)
    kind = formats.sniff(path, name)
    originals = _originals(s, shop) if kind == formats.Kind.IMAGE else []
    reading = formats.read_file(path, name, key, originals)
    label = formats.LABELS[reading.kind] if reading.kind else "file of a kind that carries no fingerprint"
    return judge_evidence(s, shop, name, label, reading.evidence)


def revoke_traced_purchase(s: Session, actor: Actor, order_line_id: int) -> TracedPurchase:
    """End the access a traced purchase gave (downloads and keys), in one step, audited."""
    shop = _caller_shop(s, actor)
    actor_id = require_signed_in(actor)
    line = (
        s.get(OrderLine, order_line_id)
        if isinstance(order_line_id, int) and not isinstance(order_line_id, bool)
        else None
    )
    if line is None or (shop is not None and line.shop_id != shop.id):
        raise NotFound("There is no such purchase in your shop.")
    granted = s.exec(
        select(Fulfilment).where(Fulfilment.order_line_id == line.id, Fulfilment.status == FulfilmentStatus.GRANTED)
    ).all()
    if not granted:
        raise Conflict("This purchase's access has already ended.")
    order = s.get_one(Order, line.order_id)
    lifecycle.revoke_fulfilments(s, line)
    s.add(
        OrderTransition(
            order_id=saved_id(order),
            from_status=order.status,
            to_status=order.status,
            reason=f"access to {line.title} revoked: {REVOKE_REASON}"[:500],
            actor_user_id=actor_id,
            created_at=utcnow(),
        )
    )
    audit.record(
        s,
        actor_id,
        "revoke_leaked_purchase",
        "order_line",
        saved_id(line),
        label=f"{order.reference} · {line.title}",
        reason=REVOKE_REASON,
    )
    return _purchase(s, line, shop)
