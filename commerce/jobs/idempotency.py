"""Making a retried job's side effects happen once."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from commerce.kit.time import utcnow
from commerce.models.jobs import JobIdempotencyKey

_INSERT = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def claim_idempotency_key(session: Session, key: str) -> bool:
    """Record `key` in this transaction; False when it was already recorded.

    Do the database side of the effect in the same transaction, so the key and
    the effect commit (or vanish) together. Two workers racing on one key: on
    PostgreSQL the second waits for the first to commit and then gets False.
    """
    insert = _INSERT[session.get_bind().dialect.name]
    statement = (
        insert(JobIdempotencyKey)
        .values(key=key, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(JobIdempotencyKey.key)  # rowcount of an INSERT is not reliable across drivers
    )
    return session.exec(statement).first() is not None
