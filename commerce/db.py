"""The database engine and the unit of work.

Services take a Session and never commit; the caller owns the transaction:

    with unit_of_work() as s:
        accounts.create_account(s, ...)

Work that must only happen once the data is durable (emails, indexing, jobs) is
registered with `after_commit(s, fn)` and runs after a successful commit only.

Tests bind `unit_of_work()` to a database of their own with `sessions_bound_to`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Column, Integer, MetaData, Table, delete, event, insert, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.orm.session import JoinTransactionMode
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, SQLModel, create_engine

from commerce.config import get_settings
from commerce.observability import metrics

log = logging.getLogger(__name__)
_AFTER_COMMIT = "after_commit_callbacks"
# Both dialects' INSERT constructs know ON CONFLICT, with the same methods.
UpsertInsert = Callable[[Any], postgresql.Insert | sqlite.Insert]
_INSERT: dict[str, UpsertInsert] = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
Model = TypeVar("Model", bound=SQLModel)
_bound: ContextVar[Engine | Connection | None] = ContextVar("sessions_bound_to", default=None)


def _make_orm_statement_classes_now() -> None:
    """Make, on import, the classes SQLAlchemy wraps an ORM-executed INSERT, UPDATE or DELETE
    in, while only one thread runs.

    SQLAlchemy (2.1.9) makes such a class on the statement's first use and registers it
    before giving it its caching attributes. A second thread using the class in between
    marks it uncacheable ("Class AnnotatedInsert will not make use of SQL compilation
    caching"), and every such statement is then compiled anew for the life of the process:
    seen in `bench/checkout` when the flash sale's first orders arrive at once.
    """
    probe = Table("orm_statement_probe", MetaData(), Column("id", Integer, primary_key=True))
    for make in (insert, postgresql_insert, sqlite_insert, update, delete):
        make(probe)._annotate({"dml_strategy": "orm"})._generate_cache_key()


_make_orm_statement_classes_now()


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _sqlite_savepoint_inside_a_transaction)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    _count_pool_use(engine)
    return engine


def _count_pool_use(engine: Engine) -> None:
    """The pool's capacity and its connections in use, live, for /metrics."""
    pool = engine.pool
    # A QueuePool (PostgreSQL, a SQLite file) opens its size plus its overflow at most;
    # the in-memory SQLite of some tests keeps one connection per thread.
    capacity = pool.size() + pool._max_overflow if isinstance(pool, QueuePool) else 1
    metrics.DB_POOL_CAPACITY.inc(capacity)
    event.listen(engine, "checkout", lambda *_: metrics.DB_POOL_CHECKED_OUT.inc())
    event.listen(engine, "checkin", lambda *_: metrics.DB_POOL_CHECKED_OUT.dec())


@lru_cache(maxsize=4)
def autocommit_engine_for(url: str) -> Engine:
    """An engine whose connections commit each statement by itself (no BEGIN, no COMMIT):
    its own pool, so no connection switches mode on the way in and out."""
    if url.startswith("sqlite"):
        return engine_for(url).execution_options(isolation_level="AUTOCOMMIT")
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, isolation_level="AUTOCOMMIT")
    _count_pool_use(engine)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_savepoint_inside_a_transaction(connection: Connection, _name: str) -> None:
    """Python's sqlite3 opens a transaction only at the first write, so a savepoint taken
    before any write would be the outermost one, and SQLite commits on releasing that: a
    later error in the unit of work could no longer undo what the savepoint did. Open the
    transaction first, so every savepoint is nested in the unit of work's transaction."""
    driver = connection.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        driver.execute("BEGIN")


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


class UnitOfWorkSession(Session):
    """A Session whose commit runs the callbacks registered with `after_commit`."""


@contextmanager
def sessions_bound_to(bind: Engine | Connection) -> Iterator[None]:
    """Open every `unit_of_work()` of this context on `bind` instead of the app database.

    A context variable, so it reaches what runs in this thread and in threads given a
    copy of its context (`asyncio.to_thread`, Starlette's thread pool), and nothing else.
    Bound to an engine, units of work commit to that database. Bound to a connection
    inside a transaction (a test's, rolled back at its end), each unit of work is a
    savepoint in it: jobs and services that open their own unit of work see the test's
    data, and their work is rolled back with it.
    """
    token = _bound.set(bind)
    try:
        yield
    finally:
        _bound.reset(token)


@contextmanager
def unit_of_work(engine: Engine | None = None, *, autocommit: bool = False) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error.

    `autocommit=True` is for a hot read that writes at most with single statements that
    stand alone (an atomic conditional UPDATE): each statement commits by itself, sparing
    the BEGIN and COMMIT round trips. In a test's transaction it is a savepoint as usual.
    """
    bind = engine or _bound.get()
    if bind is None:
        bind = autocommit_engine_for(get_settings().database_url) if autocommit else get_engine()
    elif autocommit and isinstance(bind, Engine):
        bind = bind.execution_options(isolation_level="AUTOCOMMIT")
    # On a connection already inside a transaction (a test's), a savepoint of its own.
    join: JoinTransactionMode = "create_savepoint" if isinstance(bind, Connection) else "conditional_savepoint"
    with UnitOfWorkSession(bind, expire_on_commit=False, join_transaction_mode=join) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def after_commit(session: Session, callback: Callable[[], None], *, once_as: Hashable | None = None) -> None:
    """Run `callback` once this session's transaction has committed.

    Registered inside a savepoint (`begin_nested`), it is dropped if that savepoint
    rolls back, and otherwise waits for the whole transaction. With `once_as`, a
    callback registered under the same key earlier in this transaction stands for
    both (ten products changed: one reindex).
    """
    frames = _pending(session)
    if once_as is not None and any(once_as in frame for frame in frames):
        return
    frames[-1][once_as if once_as is not None else object()] = callback


def _pending(session: Session) -> list[dict[Hashable, Callable[[], None]]]:
    """The callbacks waiting for the commit: one frame for the transaction, one per open savepoint."""
    return session.info.setdefault(_AFTER_COMMIT, [{}])


def _open_frame(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        _pending(session).append({})


def _on_commit(session: Session) -> None:
    frames = _pending(session)
    if session.in_nested_transaction():  # a savepoint released: its callbacks wait for the transaction
        released = frames.pop() if len(frames) > 1 else {}
        for key, callback in released.items():
            frames[-1].setdefault(key, callback)
        return
    del session.info[_AFTER_COMMIT]
    for frame in frames:
        for callback in frame.values():
            try:
                callback()
            except Exception:  # the commit stands; a failed side effect is logged
                log.exception("after-commit callback %r failed", callback)


def _on_rollback(session: Session) -> None:
    if session.in_nested_transaction():  # only what the savepoint did is undone
        frames = _pending(session)
        if len(frames) > 1:
            frames.pop()
        else:
            frames[-1].clear()


def _close_transaction(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (callbacks ran), rolled back or abandoned
        session.info.pop(_AFTER_COMMIT, None)


# Scoped to the sessions this module makes (and the tests' sessions of this class), not to
# every SQLAlchemy Session in the process. SQLAlchemy reports a savepoint's release or
# rollback through the same hooks as the transaction's.
event.listen(UnitOfWorkSession, "after_transaction_create", _open_frame)
event.listen(UnitOfWorkSession, "after_commit", _on_commit)
event.listen(UnitOfWorkSession, "after_rollback", _on_rollback)
event.listen(UnitOfWorkSession, "after_transaction_end", _close_transaction)


def serialise_writes(s: Session) -> None:
    """From here to the commit, no other transaction writes to the database (SQLite only).

    For a check-then-write that must not interleave (checkout's stock check): PostgreSQL
    locks the rows concerned (`FOR UPDATE`), which SQLite ignores. There, Python's sqlite3
    starts a transaction only at the first write, so reads before it see whatever is
    committed meanwhile: `BEGIN IMMEDIATE` takes the database's write lock now (waiting
    up to the busy timeout for another writer) so what is read next stays true. A
    transaction that has already written holds that lock already.
    """
    connection = s.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def check_database() -> None:
    """Raise if the database cannot answer a trivial query (used by /readyz)."""
    with get_engine().connect() as connection:
        connection.execute(text("SELECT 1"))


def dialect_insert(s: Session) -> UpsertInsert:
    """The INSERT construct of the session's database, which knows ON CONFLICT (upserts)."""
    return _INSERT[s.get_bind().dialect.name]


def insert_unless_present(s: Session, draft: Model, *unique: str) -> Model | None:
    """`draft`'s row, inserted and in the session; None when a row with the same `unique`
    columns exists already.

    One `INSERT ... ON CONFLICT DO NOTHING RETURNING`: no lookup before it and no savepoint
    around it. On PostgreSQL, the same row being inserted by another transaction makes this
    one wait for it, then do nothing if it committed.
    """
    model = type(draft)
    columns = model.__table__.columns  # type: ignore[attr-defined]
    values = {column.key: getattr(draft, column.key) for column in columns if not column.primary_key}
    statement = dialect_insert(s)(model).values(values).on_conflict_do_nothing(index_elements=list(unique))
    return s.scalars(statement.returning(model)).first()
