"""API keys: a shop's keys, created in the studio's Developers page, shown once and kept
only as a SHA-256; and the check every API request starts with.

A key is `mp_<8 characters>_<32 characters>` (the first part is its visible prefix, the
rest 192 random bits). The check finds the key by its hash, refuses a revoked or expired
key, and answers the caller: the key's shop as an `Actor` with the seller role, whatever
the owner's own role, so an administrator's shop key never acts as an administrator.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from commerce.accounts.step_up import require_recent_second_factor
from commerce.actor import Actor
from commerce.api.scopes import Access, Resource, allows, parse_scopes
from commerce.catalog.access import actor_shop
from commerce.errors import NotFound, PermissionDenied, ValidationError
from commerce.kit.time import utcnow
from commerce.models import ApiKey, Shop, User, UserRole, saved_id

KEY_PREFIX = "mp_"
MAX_NAME_LENGTH = 80
MAX_KEYS_PER_SHOP = 25
# How long a key lives, in days, when the seller chooses (None: until revoked).
EXPIRY_CHOICES = (None, 7, 30, 90, 365)
# "last used" is written at most this often per key, so busy keys do not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class InvalidApiKey(PermissionDenied):
    """No usable key: missing, unknown, revoked or expired (HTTP 401)."""


class MissingScope(PermissionDenied):
    """The key works but was not given this permission (HTTP 403)."""


@dataclass(frozen=True)
class ApiKeyView:
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    active: bool


@dataclass(frozen=True)
class CreatedApiKey:
    """The one time the whole key is known: the page shows `secret` once, then forgets it."""

    key: ApiKeyView
    secret: str


@dataclass(frozen=True)
class ApiCaller:
    """Who an API request acts as."""

    key_id: int
    shop_id: int
    actor: Actor
    scopes: frozenset[str]

    def require(self, resource: Resource, access: Access) -> Actor:
        if not allows(self.scopes, resource, access):
            raise MissingScope(f"This API key does not have the {resource}:{access} permission.")
        return self.actor


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _view(row: ApiKey, now: datetime | None = None) -> ApiKeyView:
    now = now or utcnow()
    return ApiKeyView(
        id=saved_id(row),
        name=row.name,
        prefix=row.prefix,
        scopes=row.scopes.split(),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        active=row.revoked_at is None and (row.expires_at is None or row.expires_at > now),
    )


def create_api_key(
    s: Session,
    actor: Actor,
    *,
    name: str,
    scopes: list[str] | str,
    expires_in_days: int | None = None,
) -> CreatedApiKey:
    """A new key for the actor's own shop. The answer is the only place the key appears whole.
    An owner with a second factor gives it again first (step-up): a stolen session alone
    cannot mint a key that outlives it."""
    shop = actor_shop(s, actor)
    require_recent_second_factor(s, actor)
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ValidationError("Name the key after what will use it, such as 'accounting export'.", "name")
    if not cleaned.isprintable():
        raise ValidationError("A key's name is plain text on one line.", "name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValidationError(f"A key's name is at most {MAX_NAME_LENGTH} characters.", "name")
    chosen = parse_scopes(scopes)
    if expires_in_days not in EXPIRY_CHOICES:
        raise ValidationError("Choose when the key expires from the list.", "expires_in_days")
    live = s.exec(select(ApiKey.id).where(ApiKey.shop_id == saved_id(shop), col(ApiKey.revoked_at).is_(None))).all()
    if len(live) >= MAX_KEYS_PER_SHOP:
        raise ValidationError(f"A shop has at most {MAX_KEYS_PER_SHOP} keys; revoke one you no longer use.", "name")
    now = utcnow()
    prefix = KEY_PREFIX + secrets.token_hex(4)
    secret = f"{prefix}_{secrets.token_urlsafe(24)}"
    row = ApiKey(
        shop_id=saved_id(shop),
        created_by_id=saved_id(s.get_one(User, actor.user_id)),
        name=cleaned,
        prefix=prefix,
        secret_hash=secret_hash(secret),
        scopes=" ".join(chosen),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    s.add(row)
    s.flush()
    return CreatedApiKey(key=_view(row, now), secret=secret)


def list_api_keys(s: Session, actor: Actor) -> list[ApiKeyView]:
    """The shop's keys, newest first (revoked ones too, so their use stays on record)."""
    shop = actor_shop(s, actor)
    rows = s.exec(select(ApiKey).where(ApiKey.shop_id == saved_id(shop)).order_by(col(ApiKey.id).desc())).all()
    now = utcnow()
    return [_view(row, now) for row in rows]


def revoke_api_key(s: Session, actor: Actor, key_id: int) -> ApiKeyView:
    """Stop a key at once; the next request with it is refused."""
    shop = actor_shop(s, actor)
    row = s.get(ApiKey, key_id, with_for_update=True) if isinstance(key_id, int) else None
    if row is None or row.shop_id != shop.id:
        raise NotFound("Your shop has no such API key.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        s.add(row)
        s.flush()
    return _view(row)


def authenticate(s: Session, secret: str | None) -> ApiCaller:
    """The caller a request's key stands for, or InvalidApiKey (the same answer for every reason)."""
    refused = InvalidApiKey("Send a valid API key as 'Authorization: Bearer <key>'.")
    if not secret or not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        raise refused
    row = s.exec(select(ApiKey).where(ApiKey.secret_hash == secret_hash(secret))).first()
    now = utcnow()
    if row is None or row.revoked_at is not None:
        raise refused
    if row.expires_at is not None and row.expires_at <= now:
        raise InvalidApiKey("This API key has expired; create a new one in the studio's Developers page.")
    shop = s.get(Shop, row.shop_id)
    owner = s.get(User, shop.owner_id) if shop is not None else None
    if shop is None or owner is None or owner.role not in (UserRole.SELLER, UserRole.ADMIN):
        raise refused
    if row.last_used_at is None or row.last_used_at <= now - LAST_USED_RESOLUTION:
        # One conditional statement: parallel requests of a busy key write once.
        s.exec(
            update(ApiKey)
            .where(col(ApiKey.id) == row.id)
            .where((col(ApiKey.last_used_at).is_(None)) | (col(ApiKey.last_used_at) <= now - LAST_USED_RESOLUTION))
            .values(last_used_at=now)
        )
    actor = Actor(user_id=owner.id, role=UserRole.SELLER, shop_id=shop.id, api_key_id=row.id)
    return ApiCaller(key_id=saved_id(row), shop_id=saved_id(shop), actor=actor, scopes=frozenset(row.scopes.split()))


def key_id_of(s: Session, secret: str | None) -> int | None:
    """The id of the key `secret` is, if any (whether it still works is `authenticate`'s business)."""
    if not secret or not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    return s.exec(select(ApiKey.id).where(ApiKey.secret_hash == secret_hash(secret))).first()
