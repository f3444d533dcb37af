"""License keys as their owner and their seller see and manage them.

A key's text leaves the database only decrypted for its owner (the buyer it was
sold to, while their access stands) or for the seller of its product, one key
at a time, on request. Lists carry masked keys only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_signed_in
from commerce.catalog.access import actor_shop
from commerce.errors import Conflict, NotFound, ValidationError
from commerce.i18n import bo_gettext
from commerce.kit.choices import parse_choice
from commerce.kit.pagination import Page, make_page, page_bounds
from commerce.kit.time import utcnow
from commerce.license_keys.vault import configured_vault, product_associated_data
from commerce.licensing.issuing import new_generated_key, take_from_stock
from commerce.models import (
    Fulfilment,
    FulfilmentStatus,
    KeySource,
    KeyStatus,
    LicenseActivation,
    LicenseKey,
    LicensePolicy,
    Product,
    User,
    saved_id,
)
from commerce.notifications.library_changes import bump_library
from commerce.notifications.preferences import buyers_as_seen_by_shop, shares_email_with_sellers

MASK = "•••••"
_SHOWN_TAIL = 4
MAX_REASON_LENGTH = 200
KEY_STATUS_LABELS = {KeyStatus.AVAILABLE: "In stock", KeyStatus.SOLD: "Active", KeyStatus.REVOKED: "Revoked"}


def _date(moment: datetime | None) -> str:
    return f"{moment:%-d %b %Y}" if moment else ""


def mask_key(text: str) -> str:
    """Enough of a key to recognise it (its last four characters), nothing to use."""
    tail = text.replace("-", "")[-_SHOWN_TAIL:]
    return f"{MASK}-{MASK}-{tail}"


def _plaintext(row: LicenseKey) -> str:
    return configured_vault().decrypt(row.ciphertext, product_associated_data(row.product_id))


def _is_expired(row: LicenseKey, now: datetime) -> bool:
    return row.expires_at is not None and row.expires_at <= now


def status_of(row: LicenseKey, now: datetime | None = None) -> str:
    """The status the license API answers for this key: valid, expired, revoked or limit_reached."""
    now = now or utcnow()
    if row.status != KeyStatus.SOLD:
        return "revoked"
    if _is_expired(row, now):
        return "expired"
    if row.usage_limit is not None and row.usage_count >= row.usage_limit:
        return "limit_reached"
    return "valid"


def _active_activations(s: Session, key_ids: list[int]) -> dict[int, int]:
    if not key_ids:
        return {}
    rows = s.exec(
        select(LicenseActivation.license_key_id, func.count())
        .where(col(LicenseActivation.license_key_id).in_(key_ids), col(LicenseActivation.deactivated_at).is_(None))
        .group_by(col(LicenseActivation.license_key_id))
    ).all()
    return dict(rows)


# -- the buyer --------------------------------------------------------------


@dataclass(frozen=True)
class OwnedKeyView:
    id: int
    masked: str
    status: str  # valid | expired | revoked | limit_reached
    status_label: str
    expires_at: datetime | None
    expires_label: str
    activations: int
    activation_limit: int | None
    usage_count: int
    usage_limit: int | None


_BUYER_STATUS_LABELS = {
    "valid": "Active",
    "expired": "Expired",
    "revoked": "Revoked",
    "limit_reached": "Usage limit reached",
}


def owned_keys(s: Session, buyer_id: int, product_id: int) -> list[OwnedKeyView]:
    """The buyer's live keys for a product (bought twice: two keys), oldest first."""
    rows = s.exec(
        select(LicenseKey)
        .join(Fulfilment, col(Fulfilment.id) == col(LicenseKey.fulfilment_id))
        .where(
            LicenseKey.buyer_id == buyer_id,
            LicenseKey.product_id == product_id,
            col(LicenseKey.replaced_by_id).is_(None),
            Fulfilment.status == FulfilmentStatus.GRANTED,
        )
        .order_by(col(LicenseKey.id))
    ).all()
    counts = _active_activations(s, [saved_id(row) for row in rows])
    now = utcnow()
    views = []
    for row in rows:
        status = status_of(row, now)
        views.append(
            OwnedKeyView(
                id=saved_id(row),
                masked=mask_key(_plaintext(row)),
                status=status,
                status_label=_BUYER_STATUS_LABELS[status],
                expires_at=row.expires_at,
                expires_label=_date(row.expires_at) or "Never expires",
                activations=counts.get(saved_id(row), 0),
                activation_limit=row.activation_limit,
                usage_count=row.usage_count,
                usage_limit=row.usage_limit,
            )
        )
    return views


@dataclass(frozen=True)
class IssuedKey:
    id: int
    fulfilment_id: int
    product_id: int
    key: str
    status_label: str


def keys_of_fulfilments(s: Session, fulfilment_ids: list[int]) -> list[IssuedKey]:
    """The live keys issued for these fulfilments (still granted), in full, oldest first.

    For the buyer's own eyes on their order's page: the caller has checked the viewer.
    """
    if not fulfilment_ids:
        return []
    rows = s.exec(
        select(LicenseKey)
        .join(Fulfilment, col(Fulfilment.id) == col(LicenseKey.fulfilment_id))
        .where(
            col(LicenseKey.fulfilment_id).in_(fulfilment_ids),
            col(LicenseKey.replaced_by_id).is_(None),
            Fulfilment.status == FulfilmentStatus.GRANTED,
        )
        .order_by(col(LicenseKey.id))
    ).all()
    now = utcnow()
    return [
        IssuedKey(
            id=saved_id(row),
            fulfilment_id=row.fulfilment_id or 0,
            product_id=row.product_id,
            key=_plaintext(row),
            status_label=_BUYER_STATUS_LABELS[status_of(row, now)],
        )
        for row in rows
    ]


def _seller_may_see(s: Session, actor: Actor, row: LicenseKey) -> bool:
    if actor.shop_id is None:
        return False
    product = s.get(Product, row.product_id)
    try:
        return product is not None and product.shop_id == actor_shop(s, actor).id
    except Exception:  # noqa: BLE001 - any refusal of the shop means "not the seller"
        return False


def reveal_key(s: Session, actor: Actor, key_id: int) -> str:
    """The full text of one key, for its owner (while their access stands) or its seller.

    Anyone else gets the same answer as for a key that does not exist.
    """
    user_id = require_signed_in(actor)
    row = s.get(LicenseKey, key_id) if isinstance(key_id, int) and not isinstance(key_id, bool) else None
    missing = NotFound("There is no such license key.")
    if row is None:
        raise missing
    if row.buyer_id == user_id and row.fulfilment_id is not None:
        fulfilment = s.get(Fulfilment, row.fulfilment_id)
        if fulfilment is not None and fulfilment.status == FulfilmentStatus.GRANTED and row.replaced_by_id is None:
            return _plaintext(row)
    if _seller_may_see(s, actor, row):
        return _plaintext(row)
    raise missing


# -- the seller -------------------------------------------------------------


@dataclass(frozen=True)
class SellerKeyRow:
    id: int
    masked: str
    status: KeyStatus
    status_label: str
    api_status: str
    source: KeySource
    # The buyer's email, or the shop's pseudonym for them if they keep it from sellers.
    buyer: str
    sold_at: datetime | None
    sold_label: str
    expires_at: datetime | None
    expires_label: str
    activations: int
    activation_limit: int | None
    usage_count: int
    revoked_reason: str
    # A key revoked because its order was refunded or disputed cannot be re-enabled.
    can_reenable: bool
    can_rotate: bool


@dataclass(frozen=True)
class ActivationView:
    id: int
    instance: str
    created_at: datetime
    last_seen_at: datetime
    last_seen_label: str
    active: bool


KEY_FILTERS = ("all", *KeyStatus)


def _seller_key(s: Session, actor: Actor, key_id: int) -> LicenseKey:
    shop = actor_shop(s, actor)
    row = s.get(LicenseKey, key_id, with_for_update=True) if isinstance(key_id, int) else None
    if row is None:
        raise NotFound("There is no such license key.")
    product = s.get(Product, row.product_id)
    if product is None or product.shop_id != shop.id:
        raise NotFound("There is no such license key.")
    return row


def _owned_product_id(s: Session, actor: Actor, product_id: int) -> Product:
    shop = actor_shop(s, actor)
    product = s.get(Product, product_id) if isinstance(product_id, int) else None
    if product is None or product.shop_id != shop.id:
        raise NotFound("This product does not exist.")
    return product


def list_product_keys(
    s: Session,
    actor: Actor,
    product_id: int,
    *,
    status: str = "all",
    search: str = "",
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """A seller's keys of one product, newest first, masked, with buyers and activations.

    `search` finds keys sold to a buyer whose email contains it (buyers who keep their
    email from sellers are listed under a pseudonym and not found by email).
    """
    product = _owned_product_id(s, actor, product_id)
    page, per_page = page_bounds(page, per_page)
    condition = [col(LicenseKey.product_id) == product.id, col(LicenseKey.replaced_by_id).is_(None)]
    wanted = parse_choice(KeyStatus, status)
    if wanted is not None:
        condition.append(col(LicenseKey.status) == wanted)
    query = (
        select(LicenseKey, col(User.email))
        .join(User, col(User.id) == col(LicenseKey.buyer_id), isouter=True)
        .where(*condition)
    )
    count_query = (
        select(func.count())
        .select_from(LicenseKey)
        .join(User, col(User.id) == col(LicenseKey.buyer_id), isouter=True)
        .where(*condition)
    )
    needle = (search or "").strip().lower()[:100]
    if needle:
        found = (func.lower(User.email).contains(needle), shares_email_with_sellers(User.id))
        query = query.where(*found)
        count_query = count_query.where(*found)
    total = s.exec(count_query).one()
    rows = s.exec(query.order_by(col(LicenseKey.id).desc()).offset((page - 1) * per_page).limit(per_page)).all()
    counts = _active_activations(s, [saved_id(row) for row, _ in rows])
    fulfilments = {
        f.id: f
        for f in s.exec(
            select(Fulfilment).where(
                col(Fulfilment.id).in_([row.fulfilment_id for row, _ in rows if row.fulfilment_id])
            )
        ).all()
    }
    shown = buyers_as_seen_by_shop(s, product.shop_id, {row.buyer_id: email for row, email in rows if row.buyer_id})
    now = utcnow()
    items = []
    for row, _ in rows:
        fulfilment = fulfilments.get(row.fulfilment_id)
        access = fulfilment is not None and fulfilment.status == FulfilmentStatus.GRANTED
        items.append(
            SellerKeyRow(
                id=saved_id(row),
                masked=mask_key(_plaintext(row)),
                status=row.status,
                status_label=KEY_STATUS_LABELS[row.status],
                api_status=status_of(row, now) if row.status != KeyStatus.AVAILABLE else "",
                source=row.source,
                buyer=shown.get(row.buyer_id, "") if row.buyer_id is not None else "",
                sold_at=row.sold_at,
                sold_label=_date(row.sold_at),
                expires_at=row.expires_at,
                expires_label=_date(row.expires_at) or "Never",
                activations=counts.get(saved_id(row), 0),
                activation_limit=row.activation_limit,
                usage_count=row.usage_count,
                revoked_reason=row.revoked_reason or "",
                can_reenable=row.status == KeyStatus.REVOKED and access,
                can_rotate=row.status == KeyStatus.SOLD and access,
            )
        )
    return make_page(items, page, per_page, total)


def revoke_key(s: Session, actor: Actor, key_id: int, *, reason: str = "") -> None:
    """The seller stops a key working (leaked, abused); the API answers "revoked"."""
    row = _seller_key(s, actor, key_id)
    if row.status == KeyStatus.REVOKED:
        raise Conflict(bo_gettext("This key is already revoked."))
    if row.status == KeyStatus.AVAILABLE:
        raise Conflict(bo_gettext("This key has not been sold; it stays in stock."))
    text = " ".join((reason or "").split())
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationError(
            bo_gettext("Keep the reason under {count} characters.", count=MAX_REASON_LENGTH), "reason"
        )
    row.status, row.revoked_at, row.revoked_reason = KeyStatus.REVOKED, utcnow(), text or "revoked by the seller"
    s.add(row)
    s.flush()
    _touch_library(s, row.buyer_id)


def reenable_key(s: Session, actor: Actor, key_id: int) -> None:
    """Undo a seller's revocation, unless the buyer's access itself was withdrawn."""
    row = _seller_key(s, actor, key_id)
    if row.status != KeyStatus.REVOKED:
        raise Conflict(bo_gettext("Only a revoked key can be re-enabled."))
    fulfilment = s.get(Fulfilment, row.fulfilment_id) if row.fulfilment_id else None
    if fulfilment is None or fulfilment.status != FulfilmentStatus.GRANTED:
        raise Conflict(bo_gettext("This key's order was refunded or disputed, so it cannot be re-enabled."))
    if row.replaced_by_id is not None:
        raise Conflict(bo_gettext("This key was replaced by a new one; the new key is the one to manage."))
    row.status, row.revoked_at, row.revoked_reason = KeyStatus.SOLD, None, None
    s.add(row)
    s.flush()
    _touch_library(s, row.buyer_id)


def rotate_key(s: Session, actor: Actor, key_id: int) -> int:
    """Replace a sold key with a new one for the same buyer (a leaked key, say).

    The old key is revoked; the new one keeps the old one's expiry and limits,
    starts without activations, and comes from the same source (generated, or the
    next key in stock). Returns the new key's id.
    """
    row = _seller_key(s, actor, key_id)
    if row.status != KeyStatus.SOLD or row.fulfilment_id is None:
        raise Conflict(bo_gettext("Only an active key sold to a buyer can be replaced."))
    fulfilment = s.get(Fulfilment, row.fulfilment_id)
    if fulfilment is None or fulfilment.status != FulfilmentStatus.GRANTED:
        raise Conflict(bo_gettext("This key's order was refunded or disputed."))
    policy = s.get(LicensePolicy, row.product_id) or LicensePolicy(product_id=row.product_id)
    if row.source == KeySource.GENERATED:
        new = new_generated_key(s, row.product_id, policy.prefix)
    else:
        new = take_from_stock(s, row.product_id)
    new.status, new.sold_at = KeyStatus.SOLD, utcnow()
    new.fulfilment_id, new.order_line_id, new.buyer_id = row.fulfilment_id, row.order_line_id, row.buyer_id
    new.activation_limit, new.usage_limit, new.expires_at = row.activation_limit, row.usage_limit, row.expires_at
    s.add(new)
    s.flush()
    row.status, row.revoked_at, row.revoked_reason = KeyStatus.REVOKED, utcnow(), "replaced by a new key"
    row.replaced_by_id = new.id
    s.add(row)
    s.flush()
    _touch_library(s, row.buyer_id)
    return saved_id(new)


def key_activations(s: Session, actor: Actor, key_id: int) -> list[ActivationView]:
    row = _seller_key(s, actor, key_id)
    activations = s.exec(
        select(LicenseActivation)
        .where(LicenseActivation.license_key_id == row.id)
        .order_by(col(LicenseActivation.deactivated_at).is_not(None), col(LicenseActivation.last_seen_at).desc())
    ).all()
    return [
        ActivationView(
            id=saved_id(a),
            instance=a.instance,
            created_at=a.created_at,
            last_seen_at=a.last_seen_at,
            last_seen_label=f"{a.last_seen_at:%-d %b %Y %H:%M} UTC",
            active=a.deactivated_at is None,
        )
        for a in activations
    ]


def _touch_library(s: Session, buyer_id: int | None) -> None:
    if buyer_id is not None:
        bump_library(s, [buyer_id])
