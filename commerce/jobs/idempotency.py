"""Making a retried job's side effects happen once."""

from __future__ import annotations

from sqlmodel import Session, col

from commerce.db import dialect_insert
from commerce.kit.time import utcnow
from commerce.models.jobs import JobIdempotencyKey


def claim_idempotency_key(session: Session, key: str) -> bool:
    """Record `key` in this transaction; False when it was already recorded.

    Do the database side of the effect in the same transaction, so the key and
    the effect commit (or vanish) together. Two workers racing on one key: on
    PostgreSQL the second waits for the first to commit and then gets False.
    """
    insert = dialect_insert(session)
    statement = (
        insert(JobIdempotencyKey)
        .values(key=key, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(col(JobIdempotencyKey.key))  # rowcount of an INSERT is not reliable across drivers
    )
    return session.exec(statement).first() is not None
