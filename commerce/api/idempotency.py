"""`Idempotency-Key` on POST: the same key with the same request answers what the first
request answered; the same key with a different request is refused.

A request claims its key in a short transaction of its own before it runs (the row has no
answer yet), so a second request with that key, sent while the first still runs, is told
to wait instead of doing the work twice. The answer is stored when the request finishes;
a request that failed on the server (5xx) gives its key back, so a retry runs again.
Keys are kept for a day (`KEPT_FOR`: each claim drops its API key's older answers); a claim
left unanswered by a process that died is taken over after `ABANDONED_AFTER`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import delete
from sqlmodel import Session, col, select

from commerce.db import dialect_insert
from commerce.errors import ValidationError
from commerce.kit.time import utcnow
from commerce.models import ApiIdempotentRequest

KEPT_FOR = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=5)
MAX_KEY_LENGTH = 255


class Claim(StrEnum):
    NEW = "new"  # run the request, then `finish` (or `release` on a server error)
    REPLAY = "replay"  # answer `status` / `content_type` / `body` again
    MISMATCH = "mismatch"  # the key was used for a different request
    IN_PROGRESS = "in_progress"  # the first request with this key is still running


@dataclass(frozen=True)
class Claimed:
    outcome: Claim
    status: int | None = None
    content_type: str = ""
    body: str = ""


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b"\n" + path.encode() + b"\n" + body).hexdigest()


def validate_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationError(
            f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable ASCII characters.", "Idempotency-Key"
        )
    return key


def claim(s: Session, api_key_id: int, key: str, fingerprint: str) -> Claimed:
    """Claim `key` for this request (commit before running it), or say what was kept for it."""
    key = validate_key(key)
    now = utcnow()
    # This API key's answers older than a day go (so each key keeps at most a day's worth),
    # and a claim of this idempotency key that its process left unanswered.
    s.exec(
        delete(ApiIdempotentRequest).where(
            col(ApiIdempotentRequest.api_key_id) == api_key_id,
            (col(ApiIdempotentRequest.created_at) < now - KEPT_FOR)
            | (
                (col(ApiIdempotentRequest.key) == key)
                & col(ApiIdempotentRequest.status).is_(None)
                & (col(ApiIdempotentRequest.created_at) < now - ABANDONED_AFTER)
            ),
        )
    )
    inserted = s.exec(
        dialect_insert(s)(ApiIdempotentRequest)
        .values(api_key_id=api_key_id, key=key, request_hash=fingerprint, content_type="", body="", created_at=now)
        .on_conflict_do_nothing(index_elements=["api_key_id", "key"])
        .returning(col(ApiIdempotentRequest.id))
    ).first()
    if inserted is not None:
        return Claimed(Claim.NEW)
    row = s.exec(
        select(ApiIdempotentRequest).where(
            ApiIdempotentRequest.api_key_id == api_key_id, ApiIdempotentRequest.key == key
        )
    ).one()
    if row.request_hash != fingerprint:
        return Claimed(Claim.MISMATCH)
    if row.status is None:
        return Claimed(Claim.IN_PROGRESS)
    return Claimed(Claim.REPLAY, status=row.status, content_type=row.content_type, body=row.body)


def finish(s: Session, api_key_id: int, key: str, *, status: int, content_type: str, body: str) -> None:
    row = s.exec(
        select(ApiIdempotentRequest).where(
            ApiIdempotentRequest.api_key_id == api_key_id, ApiIdempotentRequest.key == key
        )
    ).first()
    if row is not None:
        row.status, row.content_type, row.body = status, content_type[:100], body
        s.add(row)


def release(s: Session, api_key_id: int, key: str) -> None:
    s.exec(
        delete(ApiIdempotentRequest).where(
            col(ApiIdempotentRequest.api_key_id) == api_key_id,
            col(ApiIdempotentRequest.key) == key,
            col(ApiIdempotentRequest.status).is_(None),
        )
    )
