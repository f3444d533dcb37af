"""Issuing a license key to a buyer: generated now, or taken from the imported stock.

Taking a key from stock must never hand one key to two buyers. On PostgreSQL the
candidate row is locked with `FOR UPDATE SKIP LOCKED`, so concurrent sales each
take a different free key instead of queueing on the same one; the update is also
conditional on the key still being available, which is what protects SQLite
(where writers are serialised and FOR UPDATE does not exist).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from commerce.errors import Conflict
from commerce.kit.time import utcnow
from commerce.license_keys.format import generate_key, normalize_key
from commerce.license_keys.vault import configured_vault, product_associated_data
from commerce.models import Fulfilment, KeySource, KeyStatus, LicenseKey, LicensePolicy, saved_id

# Each attempt loses only to a sale that took the same key a moment earlier.
_ALLOCATION_ATTEMPTS = 20


class OutOfKeys(Conflict):
    """The product sells imported keys and none is left."""


def _policy(s: Session, product_id: int) -> LicensePolicy:
    return s.get(LicensePolicy, product_id) or LicensePolicy(product_id=product_id)


def key_for_fulfilment(s: Session, fulfilment_id: int) -> LicenseKey | None:
    """The key currently issued for this fulfilment (a rotated key's successor)."""
    return s.exec(
        select(LicenseKey)
        .where(LicenseKey.fulfilment_id == fulfilment_id, col(LicenseKey.replaced_by_id).is_(None))
        .order_by(col(LicenseKey.id).desc())
        .limit(1)
    ).first()


def new_generated_key(s: Session, product_id: int, prefix: str | None) -> LicenseKey:
    keys_vault = configured_vault()
    text = generate_key(prefix)
    row = LicenseKey(
        product_id=product_id,
        source=KeySource.GENERATED,
        status=KeyStatus.SOLD,
        ciphertext=keys_vault.encrypt(text, product_associated_data(product_id)),
        lookup_hash=keys_vault.lookup_hash(normalize_key(text)),
    )
    s.add(row)
    s.flush()
    return row


def take_from_stock(s: Session, product_id: int) -> LicenseKey:
    for _ in range(_ALLOCATION_ATTEMPTS):
        candidate_id = s.exec(
            select(LicenseKey.id)
            .where(
                LicenseKey.product_id == product_id,
                LicenseKey.status == KeyStatus.AVAILABLE,
                LicenseKey.source == KeySource.IMPORTED,
            )
            .order_by(col(LicenseKey.id))
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if candidate_id is None:
            break
        taken = s.exec(
            update(LicenseKey)
            .where(col(LicenseKey.id) == candidate_id, col(LicenseKey.status) == KeyStatus.AVAILABLE)
            .values(status=KeyStatus.SOLD, sold_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            row = s.get_one(LicenseKey, candidate_id)
            s.refresh(row)
            return row
    raise OutOfKeys("This product has no license keys left; the seller needs to add more.")


def issue_key(s: Session, fulfilment: Fulfilment) -> LicenseKey:
    """The buyer's key for this fulfilment: the one already issued, or a new one.

    Safe to call again (a retried job): it finds the key it issued before.
    Raises OutOfKeys when imported stock has run out.
    """
    existing = key_for_fulfilment(s, saved_id(fulfilment))
    if existing is not None:
        return existing
    policy = _policy(s, fulfilment.product_id)
    if policy.source == KeySource.GENERATED:
        row = new_generated_key(s, fulfilment.product_id, policy.prefix)
    else:
        row = take_from_stock(s, fulfilment.product_id)
    _sell(row, fulfilment, policy)
    s.add(row)
    s.flush()
    return row


def _sell(row: LicenseKey, fulfilment: Fulfilment, policy: LicensePolicy) -> None:
    now = utcnow()
    row.status = KeyStatus.SOLD
    row.sold_at = row.sold_at or now
    row.fulfilment_id = fulfilment.id
    row.order_line_id = fulfilment.order_line_id
    row.buyer_id = fulfilment.buyer_id
    row.activation_limit = policy.activation_limit
    row.usage_limit = policy.usage_limit
    row.expires_at = now + timedelta(days=policy.expiry_days) if policy.expiry_days else None


def revoke_keys_of(s: Session, fulfilment: Fulfilment, reason: str) -> int:
    """Revoke every live key issued for this fulfilment; returns how many."""
    rows = s.exec(
        select(LicenseKey).where(LicenseKey.fulfilment_id == fulfilment.id, LicenseKey.status == KeyStatus.SOLD)
    ).all()
    now = utcnow()
    for row in rows:
        row.status, row.revoked_at, row.revoked_reason = KeyStatus.REVOKED, now, reason[:200]
        s.add(row)
    s.flush()
    return len(rows)
