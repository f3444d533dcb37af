"""Shared fixtures: an isolated environment and the database on both engines.

Domain tests take `s`, a Session on a freshly migrated database, parametrised over
SQLite and PostgreSQL; every test runs inside a transaction that is rolled back.
PostgreSQL is the server `make test` ensures (TEST_DATABASE_URL); each run gets a
throwaway database of its own, created and dropped here.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url

from commerce import events, wiring
from commerce.config import PROJECT_ROOT
from commerce.db import UnitOfWorkSession, get_engine

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
_SERVICE_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "MEILI_URL",
    "MEILI_MASTER_KEY",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "SMTP_URL",
)


def pytest_collection_modifyitems(items):
    """Browser tests run last: sync Playwright keeps an event loop running in the main
    thread until the session ends, which breaks later tests that start their own."""
    e2e = Path(__file__).parent / "e2e"
    items.sort(key=lambda item: item.path.is_relative_to(e2e))


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory):
    """Embedded defaults in a temporary data folder, whatever the shell exported."""
    saved = {name: os.environ.get(name) for name in (*_SERVICE_VARS, "DATA_DIR", "APP_ENV")}
    for name in _SERVICE_VARS:
        os.environ.pop(name, None)
    os.environ["DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    os.environ["APP_ENV"] = "test"
    wiring.reset()
    wiring.configure()
    # Background jobs open their own sessions on the app database: give them its schema.
    alembic_upgrade(get_engine())
    yield Path(os.environ["DATA_DIR"])
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    wiring.reset()


@pytest.fixture
def published():
    """Every domain event the test publishes, in order; the app's subscribers still run."""
    seen = []
    recorded = {
        event: [*subscribers, lambda _s, e: seen.append(e)] for event, subscribers in wiring.SUBSCRIBERS.items()
    }
    events.install(recorded)
    yield seen
    events.install(wiring.SUBSCRIBERS)


def alembic_upgrade(engine) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logging"] = False
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def create_postgres_database() -> str:
    """Create a uniquely named database on the test server; returns its URL."""
    server = make_url(TEST_DATABASE_URL)
    name = f"mp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # a clear reason beats a stack of driver errors
        pytest.fail(
            f"PostgreSQL at {server.render_as_string(hide_password=True)} is not usable "
            f"({exc.__class__.__name__}: {exc}). `make test` starts it; set TEST_DATABASE_URL "
            "to point elsewhere."
        )
    finally:
        admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(make_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _let_sqlite_use_savepoints(engine) -> None:
    # pysqlite opens transactions on its own and breaks SAVEPOINT; let SQLAlchemy do it
    # (the recipe from SQLAlchemy's SQLite dialect documentation).
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_engine(request, tmp_path_factory):
    """A migrated database of each kind, shared by the session's tests."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _let_sqlite_use_savepoints(engine)
        alembic_upgrade(engine)
        yield engine
        engine.dispose()
    else:
        url = create_postgres_database()
        engine = create_engine(url)
        alembic_upgrade(engine)
        yield engine
        engine.dispose()
        drop_postgres_database(url)


@pytest.fixture
def s(db_engine):
    """A Session whose work is rolled back after the test; commits become savepoints."""
    connection = db_engine.connect()
    outer = connection.begin()
    session = UnitOfWorkSession(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield session
    session.close()
    outer.rollback()
    connection.close()
