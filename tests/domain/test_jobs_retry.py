"""Jobs against real storage: dead letters, idempotent effects, and Redis workers.

Each test runs on SQLite and on PostgreSQL (a throwaway database on the server
named by TEST_DATABASE_URL). The Redis tests use the server `make test` ensures
(TEST_REDIS_URL), each in a namespace of its own that is deleted afterwards.
"""

import json
import os
import threading
import time
import uuid
from collections import Counter

import pytest
import redis
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from commerce.db import engine_for, unit_of_work
from commerce.jobs import (
    claim_idempotency_key,
    configure_jobs,
    enqueue_after_commit,
    job,
    record_queue_depths,
    shutdown_jobs,
    wait_for_jobs,
)
from commerce.jobs.worker import start_worker
from commerce.models.jobs import FailedJob, JobIdempotencyKey
from commerce.notifications.tasks import enqueue_email, send_email

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

# The effects jobs have on the world, in a table of the test's own (not the app's metadata).
effects = Table(
    "job_test_effects",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
)
database = {}
runs: Counter = Counter()
_runs_lock = threading.Lock()


def count_run(key) -> int:
    with _runs_lock:
        runs[key] += 1
        return runs[key]


def record_effect_in(session, name: str) -> None:
    session.exec(effects.insert().values(name=name))


def recorded_effects() -> list[str]:
    with database["engine"].connect() as connection:
        return list(connection.execute(select(effects.c.name).order_by(effects.c.id)).scalars())


def failed_jobs() -> list[FailedJob]:
    with unit_of_work(database["engine"]) as session:
        return list(session.exec(select(FailedJob).order_by(FailedJob.id)).scalars())


def wait_until(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting after {timeout} s")
        time.sleep(0.02)


@job(max_retries=0, queue="jobs_test")
def record_effect(name: str) -> None:
    with unit_of_work(database["engine"]) as session:
        record_effect_in(session, name)


@job(max_retries=3, min_backoff_ms=10, max_backoff_ms=100, queue="jobs_test")
def fulfil_order(order_id: int) -> None:
    """Grants access, then (on the first run only) dies before sending the receipt."""
    run = count_run(order_id)
    with unit_of_work(database["engine"]) as session:
        if claim_idempotency_key(session, f"test-grant:{order_id}"):
            record_effect_in(session, f"grant:{order_id}")
    if run == 1:
        raise RuntimeError("worker died after granting access")
    with unit_of_work(database["engine"]) as session:
        if claim_idempotency_key(session, f"test-receipt:{order_id}"):
            record_effect_in(session, f"receipt:{order_id}")


@job(max_retries=2, min_backoff_ms=1, max_backoff_ms=10, queue="jobs_test")
def charge_declined(order_id: int) -> None:
    count_run(order_id)
    raise RuntimeError(f"card declined for order {order_id}")


@job(max_retries=3, min_backoff_ms=60_000, queue="jobs_test")
def fails_then_waits_a_minute(order_id: int) -> None:
    count_run(order_id)
    raise ConnectionError("payment provider unreachable")


# What the test worker consumes (the app's worker consumes commerce.wiring.JOBS).
@job(max_retries=0, queue="jobs_test", debounce_ms=300)
def count_debounced(batch: str) -> None:
    count_run(batch)


TEST_JOBS = (record_effect, fulfil_order, charge_declined, fails_then_waits_a_minute, count_debounced)


JOB_TABLES = [FailedJob.__table__, JobIdempotencyKey.__table__]


@pytest.fixture(scope="module")
def postgres_engine():
    """A throwaway PostgreSQL database for this module, dropped at the end."""
    server = make_url(TEST_DATABASE_URL)
    name = f"jobs_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL at {server.render_as_string(hide_password=True)} is not usable ({exc}). "
            "`make test` starts it; set TEST_DATABASE_URL to point elsewhere."
        )
    engine = create_engine(server.set(database=name))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def jobs_db(request, tmp_path):
    if request.param == "sqlite":
        engine = engine_for(f"sqlite:///{tmp_path / 'jobs.db'}")
    else:
        engine = request.getfixturevalue("postgres_engine")
    SQLModel.metadata.create_all(engine, tables=JOB_TABLES)
    effects.metadata.create_all(engine)
    database["engine"] = engine
    runs.clear()
    yield engine
    database.clear()
    with engine.begin() as connection:
        for table in [*JOB_TABLES, effects]:
            connection.execute(table.delete())


@pytest.fixture
def in_process(jobs_db):
    configure_jobs(None, engine=jobs_db)
    yield
    shutdown_jobs(timeout=5)


@pytest.fixture
def redis_worker(jobs_db):
    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis at {TEST_REDIS_URL} is not usable ({exc}). `make test` starts it; "
            "set TEST_REDIS_URL to point elsewhere."
        )
    namespace = f"test-jobs-{uuid.uuid4().hex[:12]}"
    configure_jobs(TEST_REDIS_URL, engine=jobs_db, namespace=namespace)
    worker = start_worker(TEST_JOBS, threads=2, timeout_ms=100)
    yield
    worker.stop(timeout=10_000)
    shutdown_jobs()
    leftover = list(client.scan_iter(match=f"{namespace}*"))
    if leftover:
        client.delete(*leftover)
    client.close()


def metric(name: str, **labels: str) -> float:
    """This process's figure, as /metrics would show it."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def job_figures(job_name: str) -> tuple[float, float, float]:
    return (
        metric("marketplace_job_runs_total", job=job_name, outcome="failed"),
        metric("marketplace_job_retries_total", job=job_name),
        metric("marketplace_job_dead_letters_total", job=job_name),
    )


def test_in_process_job_that_always_fails_is_recorded_once_retries_run_out(in_process):
    failed_runs, retries, dead = job_figures(charge_declined.name)
    with unit_of_work(database["engine"]) as session:
        enqueue_after_commit(session, charge_declined, order_id=7)

    assert wait_for_jobs(timeout=10)
    assert runs[7] == 3
    assert job_figures(charge_declined.name) == (failed_runs + 3, retries + 2, dead + 1)
    [failed] = failed_jobs()
    assert failed.job_name == charge_declined.name
    assert json.loads(failed.args_json) == {"order_id": 7}
    assert failed.attempts == 3
    assert "card declined for order 7" in failed.error


def test_in_process_retry_still_waiting_at_shutdown_is_recorded(in_process):
    with unit_of_work(database["engine"]) as session:
        enqueue_after_commit(session, fails_then_waits_a_minute, order_id=8)
    wait_until(lambda: runs[8] == 1)
    record_queue_depths(["jobs_test"])
    assert metric("marketplace_job_queue_depth", queue="jobs_test") == 1  # its retry waits

    shutdown_jobs(timeout=5)

    [failed] = failed_jobs()
    assert failed.job_name == fails_then_waits_a_minute.name
    assert failed.attempts == 1
    assert "process stopped before the next retry" in failed.error
    assert "payment provider unreachable" in failed.error


def test_in_process_job_crashing_midway_completes_each_effect_once(in_process):
    with unit_of_work(database["engine"]) as session:
        enqueue_after_commit(session, fulfil_order, order_id=9)

    assert wait_for_jobs(timeout=10)
    assert runs[9] == 2
    assert recorded_effects() == ["grant:9", "receipt:9"]


def test_redis_worker_runs_committed_jobs_only(redis_worker):
    def save_order_and_fail():
        with unit_of_work(database["engine"]) as session:
            enqueue_after_commit(session, record_effect, name="rolled back")
            raise RuntimeError("the order could not be saved")

    with pytest.raises(RuntimeError, match="could not be saved"):
        save_order_and_fail()
    with unit_of_work(database["engine"]) as session:
        enqueue_after_commit(session, record_effect, name="committed")

    wait_until(lambda: recorded_effects() == ["committed"])


def test_redis_job_crashing_midway_is_retried_and_completes_each_effect_once(redis_worker):
    with unit_of_work(database["engine"]) as session:
        enqueue_after_commit(session, fulfil_order, order_id=42)

    wait_until(lambda: "receipt:42" in recorded_effects())
    assert runs[42] == 2
    assert recorded_effects() == ["grant:42", "receipt:42"]
    assert failed_jobs() == []


def test_redis_job_that_always_fails_is_recorded_once_retries_run_out(redis_worker):
    failed_runs, retries, dead = job_figures(charge_declined.name)
    with unit_of_work(database["engine"]) as session:
        enqueue_after_commit(session, charge_declined, order_id=5)

    wait_until(lambda: len(failed_jobs()) == 1)
    [failed] = failed_jobs()
    assert runs[5] == 3
    assert failed.job_name == charge_declined.name
    assert json.loads(failed.args_json) == {"order_id": 5}
    assert failed.attempts == 3
    assert "card declined for order 5" in failed.error
    # The worker's middleware counted each attempt (the worker threads share this process).
    wait_until(lambda: job_figures(charge_declined.name) == (failed_runs + 3, retries + 2, dead + 1))


def test_redis_queue_depth_counts_the_retry_waiting_its_backoff(redis_worker):
    with unit_of_work(database["engine"]) as session:
        enqueue_after_commit(session, fails_then_waits_a_minute, order_id=11)
    wait_until(lambda: runs[11] == 1)

    def depth() -> float:
        record_queue_depths(["jobs_test"])
        return metric("marketplace_job_queue_depth", queue="jobs_test")

    wait_until(lambda: depth() == 1, timeout=3)


def test_enqueue_that_cannot_reach_redis_is_recorded_not_lost(jobs_db):
    configure_jobs("redis://127.0.0.1:1/0", engine=jobs_db, namespace=f"test-jobs-{uuid.uuid4().hex[:12]}")
    try:
        with unit_of_work(jobs_db) as session:
            enqueue_after_commit(session, record_effect, name="queued while Redis was down")
    finally:
        shutdown_jobs()

    [failed] = failed_jobs()
    assert failed.attempts == 0
    assert json.loads(failed.args_json) == {"name": "queued while Redis was down"}
    assert "could not enqueue" in failed.error


def test_an_idempotency_key_is_claimed_once(jobs_db):
    with unit_of_work(jobs_db) as session:
        assert claim_idempotency_key(session, "receipt:1") is True
        assert claim_idempotency_key(session, "receipt:1") is False
    with unit_of_work(jobs_db) as session:
        assert claim_idempotency_key(session, "receipt:1") is False
        assert claim_idempotency_key(session, "receipt:2") is True


def test_a_rolled_back_claim_can_be_claimed_again(jobs_db):
    def claim_and_fail_to_send():
        with unit_of_work(jobs_db) as session:
            assert claim_idempotency_key(session, "receipt:3")
            raise RuntimeError("the email could not be sent")

    with pytest.raises(RuntimeError, match="could not be sent"):
        claim_and_fail_to_send()
    with unit_of_work(jobs_db) as session:
        assert claim_idempotency_key(session, "receipt:3") is True


def test_email_job_sends_once_per_idempotency_key(s, jobs, outbox):
    context = dict(display_name="Zoë", order_reference="ORD-1", amount=500, currency="EUR")

    for _ in range(2):  # e.g. the refund webhook delivered twice
        enqueue_email(s, to="zoe@example.com", kind="refund_notice", idempotency_key="refund:ORD-1", **context)
        s.commit()

    assert len(jobs.ran(send_email)) == 2
    [sent] = outbox.glob("*.eml")
    assert b"ORD-1" in sent.read_bytes()


def test_email_with_bad_context_fails_the_request_not_the_worker(s, jobs):
    with pytest.raises(TypeError, match="missing amount"):
        enqueue_email(
            s, to="zoe@example.com", kind="refund_notice", display_name="Zoë", order_reference="ORD-1", currency="EUR"
        )
    with pytest.raises(ValueError, match="single line"):
        enqueue_email(s, to="zoe@example.com\r\nBcc: all@example.com", kind="welcome", display_name="Zoë")
    s.commit()
    assert jobs.runs == []


def _burst_runs_once(batch: str) -> None:
    for _ in range(10):
        with unit_of_work(database["engine"]) as session:
            enqueue_after_commit(session, count_debounced, batch=batch)
    wait_until(lambda: runs[batch] >= 1)
    time.sleep(1.0)  # no second run follows
    assert runs[batch] == 1


def test_in_process_burst_of_requests_for_a_debounced_job_runs_it_once(in_process):
    _burst_runs_once("in-process burst")


def test_redis_burst_of_requests_for_a_debounced_job_runs_it_once(redis_worker):
    _burst_runs_once("redis burst")
