"""`unit_of_work()` bound to a database of the caller's choosing (what tests do), on both databases."""

import asyncio

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from commerce import accounts
from commerce.db import after_commit, sessions_bound_to, unit_of_work
from commerce.models import User
from state import service_call
from tests.fixtures.adapters import emails_in
from tests.fixtures.databases import alembic_upgrade


def add_user(session, name: str) -> None:
    session.add(User(email=f"{name.lower()}@example.com", display_name=name, password_hash="!"))
    session.flush()


def names(session) -> list[str]:
    return sorted(session.exec(select(User.display_name)).all())


@pytest.fixture
def connection(db_engine):
    """A connection inside a transaction that is rolled back afterwards."""
    with db_engine.connect() as connection:
        outer = connection.begin()
        yield connection
        outer.rollback()


@pytest.fixture
def caller(connection):
    """The caller's own session in that transaction, with one user written."""
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        add_user(session, "Ada")
        yield session


def test_bound_to_a_connection_each_unit_of_work_is_a_savepoint_in_its_transaction(connection, caller):
    def fails_half_way():
        with unit_of_work() as session:
            add_user(session, "Lost")
            raise RuntimeError("the job died")

    with sessions_bound_to(connection):
        with unit_of_work() as session:
            assert names(session) == ["Ada"]  # sees what the caller has written
            add_user(session, "Grace")
        with pytest.raises(RuntimeError, match="died"):
            fails_half_way()

    assert names(caller) == ["Ada", "Grace"]  # the failed one rolled back its own work only


def test_the_binding_reaches_threads_given_a_copy_of_the_context(connection, caller):
    def users_seen() -> list[str]:
        with unit_of_work() as session:
            return names(session)

    with sessions_bound_to(connection):
        assert asyncio.run(asyncio.to_thread(users_seen)) == ["Ada"]


def test_bound_to_an_engine_units_of_work_commit_to_it(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    alembic_upgrade(engine)
    with sessions_bound_to(engine), unit_of_work() as session:
        add_user(session, "Committed")
    with Session(engine) as other:
        assert names(other) == ["Committed"]
    engine.dispose()


@pytest.fixture
def bound(connection):
    with sessions_bound_to(connection):
        yield


def test_after_commit_work_waits_for_the_whole_transaction_not_a_savepoint_inside_it(bound):
    ran = []
    with unit_of_work() as session:
        after_commit(session, lambda: ran.append("receipt"))
        with session.begin_nested():
            add_user(session, "Ada")
            after_commit(session, lambda: ran.append("welcome"))
        assert ran == []  # the savepoint's release is not the commit
    assert ran == ["receipt", "welcome"]


def test_a_savepoint_rolled_back_drops_only_the_work_registered_inside_it(bound):
    ran = []

    def approve_then_fail(session):
        with session.begin_nested():
            after_commit(session, lambda: ran.append("rejected product's email"))
            after_commit(session, lambda: ran.append("reindex"), once_as="reindex")
            raise RuntimeError("this product cannot be approved")

    with unit_of_work() as session:
        after_commit(session, lambda: ran.append("approved product's email"))
        with pytest.raises(RuntimeError, match="cannot be approved"):
            approve_then_fail(session)
        after_commit(session, lambda: ran.append("reindex"), once_as="reindex")
        after_commit(session, lambda: ran.append("second reindex"), once_as="reindex")
    assert ran == ["approved product's email", "reindex"]


def test_a_rolled_back_transaction_runs_none_of_its_work(bound):
    ran = []

    def save_order():
        with unit_of_work() as session:
            after_commit(session, lambda: ran.append("before the savepoint"))
            with session.begin_nested():
                after_commit(session, lambda: ran.append("inside the savepoint"))
            raise RuntimeError("the order could not be saved")

    with pytest.raises(RuntimeError, match="could not be saved"):
        save_order()
    assert ran == []


def test_a_pages_service_call_joins_the_tests_transaction_and_its_jobs_run(s, outbox):
    accounts.create_account(
        s, email="ada@example.com", password="correct horse battery", display_name="Ada", client_id="t"
    )
    s.flush()

    # What a Reflex handler does: the service in a worker thread, in a unit of work of its own.
    result = asyncio.run(service_call.call(accounts.request_password_reset, email="ada@example.com"))

    assert result.ok
    [email] = emails_in(outbox)  # the reset request committed and its email job ran
    assert (email.to, email.subject) == ("ada@example.com", "Reset your Marketplace password")
