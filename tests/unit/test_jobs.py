"""The in-process job backend: after commit only, retried, never blocking the caller."""

import threading

import pytest
from sqlmodel import SQLModel

from commerce.db import engine_for, unit_of_work
from commerce.jobs import configure_jobs, enqueue_after_commit, job, shutdown_jobs, wait_for_jobs
from commerce.models.jobs import FailedJob

calls: list[str] = []
attempts: dict[str, int] = {}
release = threading.Event()
_calls_lock = threading.Lock()


@job(max_retries=0, queue="unit_tests")
def record_call(label: str) -> None:
    with _calls_lock:
        calls.append(label)


@job(max_retries=3, min_backoff_ms=1, max_backoff_ms=5, queue="unit_tests")
def fail_twice_then_record(label: str) -> None:
    attempts[label] = attempts.get(label, 0) + 1
    if attempts[label] <= 2:
        raise ConnectionError("mail server unreachable")
    calls.append(label)


started = threading.Event()


@job(max_retries=0, queue="unit_tests")
def wait_for_release(label: str) -> None:
    started.set()
    release.wait(timeout=5)
    calls.append(label)


@pytest.fixture
def jobs_engine(tmp_path):
    # Jobs write dead letters through this engine, so a test can never touch the app database.
    engine = engine_for(f"sqlite:///{tmp_path / 'jobs.db'}")
    SQLModel.metadata.create_all(engine, tables=[FailedJob.__table__])
    calls.clear()
    attempts.clear()
    release.clear()
    started.clear()
    configure_jobs(None, engine=engine)
    yield engine
    release.set()
    shutdown_jobs(timeout=5)


def test_job_runs_after_commit_and_not_after_rollback(jobs_engine):
    with unit_of_work(jobs_engine) as session:
        enqueue_after_commit(session, record_call, label="committed")
        assert wait_for_jobs(timeout=5)
        assert calls == []  # not before the commit

    def save_order_and_fail():
        with unit_of_work(jobs_engine) as session:
            enqueue_after_commit(session, record_call, label="rolled back")
            raise RuntimeError("the order could not be saved")

    with pytest.raises(RuntimeError, match="could not be saved"):
        save_order_and_fail()

    assert wait_for_jobs(timeout=5)
    assert calls == ["committed"]


def test_commit_returns_while_the_job_is_still_running(jobs_engine):
    with unit_of_work(jobs_engine) as session:
        enqueue_after_commit(session, wait_for_release, label="slow")

    assert calls == []
    assert not wait_for_jobs(timeout=0.05)
    release.set()
    assert wait_for_jobs(timeout=5)
    assert calls == ["slow"]


def test_failing_job_is_retried_and_its_effect_happens_once(jobs_engine):
    with unit_of_work(jobs_engine) as session:
        enqueue_after_commit(session, fail_twice_then_record, label="receipt-42")

    assert wait_for_jobs(timeout=10)
    assert attempts == {"receipt-42": 3}
    assert calls == ["receipt-42"]


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"label": object()}, "JSON-serialisable"),
        ({"label": float("nan")}, "JSON-serialisable"),
        ({"label": "x", "lable": "typo"}, "unexpected keyword"),
        ({}, "missing a required argument"),
    ],
)
def test_bad_arguments_are_refused_before_commit(jobs_engine, kwargs, problem):
    with unit_of_work(jobs_engine) as session, pytest.raises(TypeError, match=problem):
        enqueue_after_commit(session, record_call, **kwargs)

    assert wait_for_jobs(timeout=5)
    assert calls == []


def test_arguments_arrive_as_json_would_carry_them(jobs_engine):
    with unit_of_work(jobs_engine) as session:
        enqueue_after_commit(session, record_call, label=("a", "tuple"))

    assert wait_for_jobs(timeout=5)
    assert calls == [["a", "tuple"]]


def test_only_registered_jobs_can_be_enqueued(jobs_engine):
    def not_a_job(label: str) -> None:
        calls.append(label)

    with unit_of_work(jobs_engine) as session, pytest.raises(TypeError, match="decorate it with @job"):
        enqueue_after_commit(session, not_a_job, label="x")


def test_a_process_that_never_configured_jobs_uses_its_settings(jobs_engine):
    """A CLI command or a test enqueues without startup code: no REDIS_URL means in-process."""
    shutdown_jobs(timeout=5)
    with unit_of_work(jobs_engine) as session:
        enqueue_after_commit(session, record_call, label="unconfigured")
    assert wait_for_jobs(10)
    assert calls == ["unconfigured"]


def test_job_definitions_are_checked():
    with pytest.raises(ValueError, match="queue name"):
        job(queue="has spaces")
    with pytest.raises(ValueError, match="max_retries"):
        job(max_retries=-1)
    with pytest.raises(ValueError, match="module-level"):
        job()(lambda label: None)


@job(max_retries=0, queue="unit_tests", debounce_ms=200)
def record_debounced(label: str) -> None:
    with _calls_lock:
        calls.append(label)


@job(max_retries=0, queue="unit_tests", priority=-1)
def record_urgent(label: str) -> None:
    with _calls_lock:
        calls.append(label)


def test_a_burst_of_requests_for_a_debounced_job_runs_it_once_after_the_delay(jobs_engine):
    for _ in range(20):
        with unit_of_work(jobs_engine) as session:
            enqueue_after_commit(session, record_debounced, label="reindex")
    with unit_of_work(jobs_engine) as session:
        enqueue_after_commit(session, record_debounced, label="other shop")
    assert calls == []  # still waiting for more requests to fold in
    assert wait_for_jobs(timeout=5)
    assert sorted(calls) == ["other shop", "reindex"]
    with unit_of_work(jobs_engine) as session:  # a request after the run is a new run
        enqueue_after_commit(session, record_debounced, label="reindex")
    assert wait_for_jobs(timeout=5)
    assert sorted(calls) == ["other shop", "reindex", "reindex"]


def test_shutdown_runs_a_debounced_job_still_waiting(jobs_engine):
    with unit_of_work(jobs_engine) as session:
        enqueue_after_commit(session, record_debounced, label="last sale")
    shutdown_jobs(timeout=5)
    assert calls == ["last sale"]


def test_waiting_jobs_run_by_priority(jobs_engine):
    configure_jobs(None, engine=jobs_engine, threads=1)
    with unit_of_work(jobs_engine) as session:
        enqueue_after_commit(session, wait_for_release, label="running")
    assert started.wait(timeout=5)  # the one thread is busy: the next jobs wait in line
    for label in ("rollup", "digest"):
        with unit_of_work(jobs_engine) as session:
            enqueue_after_commit(session, record_call, label=label)
    with unit_of_work(jobs_engine) as session:
        enqueue_after_commit(session, record_urgent, label="delivery")
    release.set()
    assert wait_for_jobs(timeout=5)
    assert calls == ["running", "delivery", "rollup", "digest"]
