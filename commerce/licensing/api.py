"""What the public license API answers: validate, activate and deactivate a key.

The seller's software sends the product id and the key its user typed (plus an
instance label naming the machine). Answers are one of

    valid | expired | revoked | limit_reached | not_found

and "not_found" covers every key that is not a sold key of that product
(malformed, unknown, another product's, still in stock), so the API tells a
caller nothing about keys it does not hold. Requests are counted per client and
per key, and a client that keeps sending unknown keys is stopped for a while.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select, update

from commerce import events, ratelimit
from commerce.errors import RateLimited, ValidationError
from commerce.kit.time import utcnow
from commerce.license_keys.format import MAX_IMPORTED_KEY_LENGTH, normalize_key
from commerce.license_keys.vault import configured_vault
from commerce.licensing import activity
from commerce.licensing.service import status_of
from commerce.models import KeyStatus, LicenseActivation, LicenseKey, saved_id

MAX_INSTANCE_LENGTH = 200

# Per client (IP address): all requests, and lookups of keys that do not exist.
CLIENT_REQUESTS_PER_MINUTE = 120
CLIENT_MISSES_PER_WINDOW = 30
MISS_WINDOW_SECONDS = 15 * 60
# Per key: software checking its own key on start-up needs a handful a minute.
KEY_REQUESTS_PER_MINUTE = 30

_MESSAGES = {
    "valid": "This license key is valid.",
    "expired": "This license key has expired.",
    "revoked": "This license key has been revoked.",
    "limit_reached": "This license key has reached its limit.",
    "not_found": "This license key is not valid for this product.",
}


@dataclass(frozen=True)
class LicenseAnswer:
    status: str
    message: str
    expires_at: datetime | None = None
    activations: int | None = None
    activation_limit: int | None = None
    usage_count: int | None = None
    usage_limit: int | None = None
    # For activate/deactivate, and validate with an instance: whether that instance is active.
    instance_active: bool | None = None

    def as_json(self) -> dict:
        body: dict = {"status": self.status, "message": self.message}
        if self.status == "not_found":
            return body
        body["expires_at"] = self.expires_at.isoformat() if self.expires_at else None
        body["activations"] = {"used": self.activations, "limit": self.activation_limit}
        body["usage"] = {"count": self.usage_count, "limit": self.usage_limit}
        if self.instance_active is not None:
            body["instance_active"] = self.instance_active
        return body


MAX_PRODUCT_ID = 2**53 - 1  # what every JSON client reads exactly, far below the database's limit


def _product_id(value: object) -> int:
    # Bounded like every id the database holds (a larger number is no product, not a crash).
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PRODUCT_ID:
        raise ValidationError("product_id must be the product's number.", "product_id")
    return value


def _key_text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("key must be the license key as text.", "key")
    if len(value) > MAX_IMPORTED_KEY_LENGTH:
        raise ValidationError(f"key is at most {MAX_IMPORTED_KEY_LENGTH} characters.", "key")
    return value


def _instance(value: object, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("instance must name the machine or installation, as text.", "instance")
    cleaned = " ".join(value.split())
    if len(cleaned) > MAX_INSTANCE_LENGTH:
        raise ValidationError(f"instance is at most {MAX_INSTANCE_LENGTH} characters.", "instance")
    return cleaned


def _limit_client(client_id: str) -> None:
    counter = ratelimit.attempt_counter()
    if counter.count(_miss_key(client_id)) >= CLIENT_MISSES_PER_WINDOW:
        raise RateLimited(_TOO_MANY_MISSES)
    if counter.record(f"license-client:{client_id}", 60) > CLIENT_REQUESTS_PER_MINUTE:
        raise RateLimited("Too many license requests from this address. Try again in a minute.")


def _miss_key(client_id: str) -> str:
    return f"license-miss:{client_id}"


_TOO_MANY_MISSES = "Too many unknown license keys from this address. Try again in 15 minutes."


def _find(
    s: Session, product_id: int, key: str, client_id: str, *, lock: bool = True, with_active: bool = False
) -> tuple[LicenseKey, list[LicenseActivation] | None] | None:
    """The sold key, and with `with_active` its active activations read in the same query
    (one round trip for a check); None when the product has no such sold key."""
    normalized = normalize_key(key)
    counter = ratelimit.attempt_counter()
    # The lookup is counted as a miss before it runs and given back when the key is found, so
    # parallel guesses cannot all pass the limit before any miss is counted.
    if not counter.reserve(_miss_key(client_id), CLIENT_MISSES_PER_WINDOW, MISS_WINDOW_SECONDS):
        raise RateLimited(_TOO_MANY_MISSES)
    try:
        found = _read_key(s, product_id, normalized, counter, lock=lock, with_active=with_active)
    except BaseException:
        counter.release(_miss_key(client_id))
        raise
    if found is None or found[0].status == KeyStatus.AVAILABLE:
        return None
    counter.release(_miss_key(client_id))
    return found


def _read_key(
    s: Session, product_id: int, normalized: str, counter: ratelimit.AttemptCounter, *, lock: bool, with_active: bool
) -> tuple[LicenseKey, list[LicenseActivation] | None] | None:
    found: tuple[LicenseKey, list[LicenseActivation] | None] | None = None
    if normalized:
        digests = configured_vault().lookup_hashes(normalized)
        if counter.record(f"license-key:{digests[0]}", 60) > KEY_REQUESTS_PER_MINUTE:
            raise RateLimited("Too many requests for this license key. Try again in a minute.")
        # The current key's hash, or a retired key's for a row the rotation has not reached.
        named = (LicenseKey.product_id == product_id, col(LicenseKey.lookup_hash).in_(digests))
        if with_active:
            rows = s.exec(
                select(LicenseKey, LicenseActivation)
                .outerjoin(
                    LicenseActivation,
                    (col(LicenseActivation.license_key_id) == col(LicenseKey.id))
                    & col(LicenseActivation.deactivated_at).is_(None),
                )
                .where(*named)
                .execution_options(populate_existing=True)
            ).all()
            if rows:
                found = rows[0][0], [activation for _, activation in rows if activation is not None]
        else:
            query = select(LicenseKey).where(*named).execution_options(populate_existing=True)
            row = s.exec(query.with_for_update() if lock else query).first()
            found = None if row is None else (row, None)
    return found


def _active(s: Session, row: LicenseKey) -> list[LicenseActivation]:
    return list(
        s.exec(
            select(LicenseActivation).where(
                LicenseActivation.license_key_id == row.id, col(LicenseActivation.deactivated_at).is_(None)
            )
        ).all()
    )


def _answer(
    row: LicenseKey,
    status: str,
    active_count: int,
    instance_active: bool | None,
    message: str | None = None,
    *,
    pending_uses: int = 0,
) -> LicenseAnswer:
    return LicenseAnswer(
        status=status,
        message=message or _MESSAGES[status],
        expires_at=row.expires_at,
        activations=active_count,
        activation_limit=row.activation_limit,
        usage_count=row.usage_count + pending_uses,
        usage_limit=row.usage_limit,
        instance_active=instance_active,
    )


NOT_FOUND = LicenseAnswer(status="not_found", message=_MESSAGES["not_found"])


def _lookup(
    s: Session,
    product_id: object,
    key: object,
    instance: object,
    *,
    instance_required: bool,
    client_id: str,
) -> tuple[LicenseKey, str | None] | None:
    """The sold key this request names (rate limits counted, its row locked for the change)
    and its instance label; None: not found."""
    _limit_client(client_id)
    pid, text = _product_id(product_id), _key_text(key)
    label = _instance(instance, required=instance_required)
    found = _find(s, pid, text, client_id)
    return None if found is None else (found[0], label)


def validate(s: Session, *, product_id: object, key: object, instance: object = None, client_id: str) -> LicenseAnswer:
    """Is this key good for this product? A valid answer counts one use.

    A key with a usage limit is counted by one atomic conditional UPDATE (the count decides
    the next answer, so two checks at once never both take the last use, and no row lock is
    held); any other key's use, and the instance's "last seen", go to the activity buffer
    (`activity`), written every few seconds: checking such a key writes nothing.
    """
    _limit_client(client_id)
    pid, text = _product_id(product_id), _key_text(key)
    label = _instance(instance, required=False)
    found = _find(s, pid, text, client_id, lock=False, with_active=True)
    if found is None:
        return NOT_FOUND
    row, active = found
    assert active is not None, "with_active reads them"
    status = status_of(row)
    match = None if label is None else next((a for a in active if a.instance == label), None)
    instance_active = None if label is None else match is not None
    if status != "valid":
        return _answer(row, status, len(active), instance_active)
    key_id = saved_id(row)
    pending = 0
    if row.usage_limit is not None:
        counted = s.exec(
            update(LicenseKey)
            .where(col(LicenseKey.id) == key_id, col(LicenseKey.usage_count) < row.usage_limit)
            .values(usage_count=col(LicenseKey.usage_count) + 1)
            .returning(col(LicenseKey.usage_count))
            .execution_options(synchronize_session=False)
        ).first()
        if counted is None:  # another check took the last use a moment ago
            return _answer(
                row, "limit_reached", len(active), instance_active, pending_uses=row.usage_limit - row.usage_count
            )
        pending = counted[0] - row.usage_count
    activity.buffer.record(
        key_id,
        activation_id=None if match is None else saved_id(match),
        when=utcnow(),
        counted=row.usage_limit is not None,
    )
    return _answer(
        row, status, len(active), instance_active, pending_uses=pending + activity.buffer.pending_uses(key_id)
    )


def activate(s: Session, *, product_id: object, key: object, instance: object, client_id: str) -> LicenseAnswer:
    """Activate the key on `instance`; activating an active instance again is fine."""
    found = _lookup(s, product_id, key, instance, instance_required=True, client_id=client_id)
    if found is None:
        return NOT_FOUND
    row, label = found
    assert label is not None, "instance_required: _lookup refuses a request without one"
    status = status_of(row)
    active = _active(s, row)
    if status != "valid":
        return _answer(row, status, len(active), any(a.instance == label for a in active))
    now = utcnow()
    existing = s.exec(
        select(LicenseActivation).where(LicenseActivation.license_key_id == row.id, LicenseActivation.instance == label)
    ).first()
    if existing is not None and existing.deactivated_at is None:
        existing.last_seen_at = now
        s.add(existing)
        s.flush()
        return _answer(row, "valid", len(active), True, "This instance is already activated.")
    if row.activation_limit is not None and len(active) >= row.activation_limit:
        return _answer(
            row,
            "limit_reached",
            len(active),
            False,
            f"This key is already active on {len(active)} of {row.activation_limit} "
            "allowed instances. Deactivate one first.",
        )
    if existing is None:
        existing = LicenseActivation(license_key_id=saved_id(row), instance=label, created_at=now, last_seen_at=now)
    existing.deactivated_at, existing.last_seen_at = None, now
    s.add(existing)
    s.flush()
    events.publish(
        s, events.LicenseKeyActivated(license_key_id=saved_id(row), product_id=row.product_id, instance=label)
    )
    return _answer(row, "valid", len(active) + 1, True, "Activated.")


def deactivate(s: Session, *, product_id: object, key: object, instance: object, client_id: str) -> LicenseAnswer:
    """Free the key's seat on `instance` (whatever the key's status, so users can move machines)."""
    found = _lookup(s, product_id, key, instance, instance_required=True, client_id=client_id)
    if found is None:
        return NOT_FOUND
    row, label = found
    existing = s.exec(
        select(LicenseActivation).where(
            LicenseActivation.license_key_id == row.id,
            LicenseActivation.instance == label,
            col(LicenseActivation.deactivated_at).is_(None),
        )
    ).first()
    message = "This instance was not activated."
    if existing is not None:
        existing.deactivated_at = utcnow()
        s.add(existing)
        s.flush()
        events.publish(
            s,
            events.LicenseKeyDeactivated(
                license_key_id=saved_id(row), product_id=row.product_id, instance=existing.instance
            ),
        )
        message = "Deactivated."
    count = s.exec(
        select(func.count())
        .select_from(LicenseActivation)
        .where(LicenseActivation.license_key_id == row.id, col(LicenseActivation.deactivated_at).is_(None))
    ).one()
    status = status_of(row)
    return _answer(row, status, count, False, message if status == "valid" else None)
