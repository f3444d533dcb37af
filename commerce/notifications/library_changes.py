"""The library's change counter: bumped in the transaction that changes what a
buyer owns, so an open library page polling it sees the change once it commits."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from commerce.db import dialect_insert
from commerce.models import LibraryState


def bump_library(s: Session, user_ids: Iterable[int]) -> None:
    """Count one change for each of these buyers (an upsert: safe under concurrency).

    One statement run for every buyer (executemany), not one multi-row VALUES: SQLAlchemy
    caches no compiled form of the latter, and every delivery compiled it afresh."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    insert = dialect_insert(s)
    statement = insert(LibraryState).on_conflict_do_update(
        index_elements=["user_id"], set_={"version": col(LibraryState.version) + 1}
    )
    rows = [{"user_id": user_id, "version": 1, "product_update_emails": True} for user_id in ids]
    s.connection().execute(statement, rows)


def library_version(s: Session, user_id: int) -> int:
    """One indexed read, cheap enough to poll every few seconds."""
    return s.exec(select(LibraryState.version).where(LibraryState.user_id == user_id)).first() or 0
