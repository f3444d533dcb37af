"""The database engine and the unit of work.

Services take a Session and never commit; the caller owns the transaction:

    with unit_of_work() as s:
        accounts.register(s, ...)

Work that must only happen once the data is durable (emails, indexing, jobs) is
registered with `after_commit(s, fn)` and runs after a successful commit only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from commerce.config import get_settings

log = logging.getLogger(__name__)
_AFTER_COMMIT = "after_commit_callbacks"
# Both dialects' INSERT constructs know ON CONFLICT, with the same methods.
UpsertInsert = Callable[[Any], postgresql.Insert | sqlite.Insert]
_INSERT: dict[str, UpsertInsert] = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


class UnitOfWorkSession(Session):
    """A Session whose commit runs the callbacks registered with `after_commit`."""


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with UnitOfWorkSession(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def after_commit(session: Session, callback: Callable[[], None], *, once_as: Hashable | None = None) -> None:
    """Run `callback` once this session's transaction has committed.

    With `once_as`, a callback registered under the same key earlier in this
    transaction stands for both (ten products changed: one reindex).
    """
    pending = session.info.setdefault(_AFTER_COMMIT, {})
    key = once_as if once_as is not None else object()
    pending.setdefault(key, callback)


def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop(_AFTER_COMMIT, {})
    for callback in callbacks.values():
        try:
            callback()
        except Exception:  # the commit stands; a failed side effect is logged
            log.exception("after-commit callback %r failed", callback)


def _drop_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


# Scoped to the sessions this module makes (and the tests' sessions of this class), not to
# every SQLAlchemy Session in the process.
event.listen(UnitOfWorkSession, "after_commit", _run_after_commit)
event.listen(UnitOfWorkSession, "after_rollback", _drop_after_commit)


def check_database() -> None:
    """Raise if the database cannot answer a trivial query (used by /healthz)."""
    with get_engine().connect() as connection:
        connection.execute(text("SELECT 1"))


def dialect_insert(s: Session) -> UpsertInsert:
    """The INSERT construct of the session's database, which knows ON CONFLICT (upserts)."""
    return _INSERT[s.get_bind().dialect.name]
