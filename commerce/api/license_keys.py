"""License keys through the API: the shop's keys (masked), imports into a product's stock,
disabling a sold key and its activations, through the licensing and catalogue services."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce.actor import Actor
from commerce.api import cursor, schemas
from commerce.catalog import keys as catalog_keys
from commerce.catalog.access import actor_shop
from commerce.errors import NotFound, ValidationError
from commerce.kit.choices import parse_choice
from commerce.license_keys.vault import configured_vault, product_associated_data
from commerce.licensing import service as licensing
from commerce.models import KeyStatus, LicenseActivation, LicenseKey, Product, User, saved_id
from commerce.notifications.preferences import buyers_as_seen_by_shop


def _documents(s: Session, shop_id: int, rows: list[LicenseKey]) -> list[schemas.LicenseKey]:
    if not rows:
        return []
    ids = [saved_id(row) for row in rows]
    active = dict(
        s.exec(
            select(LicenseActivation.license_key_id, func.count())
            .where(col(LicenseActivation.license_key_id).in_(ids), col(LicenseActivation.deactivated_at).is_(None))
            .group_by(col(LicenseActivation.license_key_id))
        ).all()
    )
    buyer_ids = {row.buyer_id for row in rows if row.buyer_id is not None}
    emails = dict(s.exec(select(User.id, User.email).where(col(User.id).in_(buyer_ids))).all()) if buyer_ids else {}
    shown = buyers_as_seen_by_shop(s, shop_id, {int(k): v for k, v in emails.items() if k is not None})
    vault = configured_vault()
    return [
        schemas.LicenseKey(
            id=saved_id(row),
            product_id=row.product_id,
            masked=licensing.mask_key(vault.decrypt(row.ciphertext, product_associated_data(row.product_id))),
            status=row.status.value,
            source=row.source.value,
            buyer=shown.get(row.buyer_id) if row.buyer_id is not None else None,
            sold_at=row.sold_at,
            expires_at=row.expires_at,
            activations=active.get(saved_id(row), 0),
            activation_limit=row.activation_limit,
            usage_count=row.usage_count,
            revoked_reason=row.revoked_reason or None,
        )
        for row in rows
    ]


def list_keys(
    s: Session,
    actor: Actor,
    *,
    product_id: int | None = None,
    status: str | None = None,
    cursor_text: str | None = None,
    limit: int | None = None,
) -> schemas.LicenseKeyList:
    """The shop's keys, newest first (replaced keys are left out: their replacement is listed)."""
    shop = actor_shop(s, actor)
    size = cursor.limit_of(limit)
    before = cursor.decode(cursor_text)
    query = (
        select(LicenseKey)
        .join(Product, col(Product.id) == col(LicenseKey.product_id))
        .where(Product.shop_id == saved_id(shop), col(LicenseKey.replaced_by_id).is_(None))
    )
    if product_id is not None:
        query = query.where(LicenseKey.product_id == product_id)
    if status is not None:
        wanted = parse_choice(KeyStatus, status)
        if wanted is None:
            raise ValidationError("Filter by available, sold or revoked.", "status")
        query = query.where(LicenseKey.status == wanted)
    if before is not None:
        query = query.where(col(LicenseKey.id) < before)
    rows, next_cursor = cursor.page_of(
        list(s.exec(query.order_by(col(LicenseKey.id).desc()).limit(size + 1)).all()), size, saved_id
    )
    return schemas.LicenseKeyList(data=_documents(s, saved_id(shop), rows), next_cursor=next_cursor)


def _own_key(s: Session, actor: Actor, key_id: int) -> LicenseKey:
    shop = actor_shop(s, actor)
    row = s.get(LicenseKey, key_id)
    product = s.get(Product, row.product_id) if row is not None else None
    if row is None or product is None or product.shop_id != shop.id:
        raise NotFound("There is no such license key.")
    return row


def get_key(s: Session, actor: Actor, key_id: int) -> schemas.LicenseKey:
    row = _own_key(s, actor, key_id)
    return _documents(s, actor_shop(s, actor).id or 0, [row])[0]


def import_keys(s: Session, actor: Actor, body: schemas.LicenseKeyImport) -> schemas.LicenseKeyImportResult:
    shop = actor_shop(s, actor)
    product = s.get(Product, body.product_id)
    if product is None or product.shop_id != shop.id:
        raise NotFound("This product does not exist.")
    report = catalog_keys.import_license_keys(s, actor, body.product_id, "\n".join(body.keys))
    return schemas.LicenseKeyImportResult(added=report.added, skipped=report.skipped, available=report.counts.available)


def disable_key(s: Session, actor: Actor, key_id: int, body: schemas.LicenseKeyDisable) -> schemas.LicenseKey:
    """Stop a sold key working (the license API answers "revoked" from now on)."""
    _own_key(s, actor, key_id)
    licensing.revoke_key(s, actor, key_id, reason=body.reason)
    return get_key(s, actor, key_id)


def activations(s: Session, actor: Actor, key_id: int) -> schemas.ActivationList:
    _own_key(s, actor, key_id)
    return schemas.ActivationList(
        data=[
            schemas.Activation(
                id=a.id, instance=a.instance, created_at=a.created_at, last_seen_at=a.last_seen_at, active=a.active
            )
            for a in licensing.key_activations(s, actor, key_id)
        ]
    )
