"""The tests' job backend: each job runs once, right after the commit, in the committing thread."""

import threading

import pytest

from commerce.db import engine_for, unit_of_work
from commerce.jobs import EagerBackend, current_backend, enqueue_after_commit, enqueue_now, job, jobs_run_by

calls: list[tuple[str, str]] = []


@job(max_retries=0, queue="unit_tests")
def record_call(label: str) -> None:
    calls.append((label, threading.current_thread().name))


@job(max_retries=3, queue="unit_tests")
def refuse(label: str) -> None:
    raise ConnectionError(f"mail server unreachable for {label}")


@job(max_retries=0, queue="unit_tests")
def record_then_enqueue(label: str) -> None:
    with unit_of_work(engine_for("sqlite://")) as session:
        enqueue_after_commit(session, record_call, label=f"{label}, then")
        calls.append((label, "before its commit"))
    calls.append((label, "after its commit"))


@pytest.fixture
def backend():
    calls.clear()
    with jobs_run_by(EagerBackend()) as eager:
        yield eager


def test_a_job_runs_when_the_commit_returns_in_the_committing_thread(backend):
    with unit_of_work(engine_for("sqlite://")) as session:
        enqueue_after_commit(session, record_call, label="receipt")
        assert calls == []

    assert calls == [("receipt", threading.current_thread().name)]
    assert backend.ran(record_call) == [{"label": "receipt"}]


def test_a_rolled_back_transaction_runs_nothing(backend):
    def save_order_and_fail():
        with unit_of_work(engine_for("sqlite://")) as session:
            enqueue_after_commit(session, record_call, label="rolled back")
            raise RuntimeError("the order could not be saved")

    with pytest.raises(RuntimeError, match="could not be saved"):
        save_order_and_fail()

    assert calls == []
    assert backend.runs == []


def test_a_job_enqueued_by_a_job_runs_after_it_has_finished(backend):
    enqueue_now(record_then_enqueue, label="grant")

    assert [label for label, _ in calls] == ["grant", "grant", "grant, then"]
    assert [where for _, where in calls[:2]] == ["before its commit", "after its commit"]
    assert [run.job.name for run in backend.runs] == [record_then_enqueue.name, record_call.name]


def test_a_failure_is_recorded_once_without_retries_until_the_test_takes_it(backend):
    enqueue_now(refuse, label="ORD-1")
    enqueue_now(record_call, label="next")

    [failed] = backend.unexpected_failures
    assert failed.job is refuse
    assert failed.kwargs == {"label": "ORD-1"}
    assert "mail server unreachable for ORD-1" in failed.describe()
    assert calls == [("next", threading.current_thread().name)]

    assert backend.take_failures() == [failed]
    assert backend.unexpected_failures == []
    assert backend.take_failures() == []
    assert len(backend.runs) == 2


def test_the_backend_before_comes_back_afterwards(backend):
    with jobs_run_by(EagerBackend()) as inner:
        assert current_backend() is inner
    assert current_backend() is backend


def test_in_the_suite_a_failed_job_fails_its_test_unless_the_test_takes_the_failure(pytester):
    pytester.makeconftest('pytest_plugins = ["tests.fixtures.effects"]')
    pytester.makepyfile(
        """
        from commerce.jobs import enqueue_now, job

        @job(max_retries=0)
        def send_receipt(order: str) -> None:
            raise ConnectionError(f"mail server unreachable for {order}")

        def test_ignores_the_failure():
            enqueue_now(send_receipt, order="ORD-1")

        def test_expects_the_failure(jobs):
            enqueue_now(send_receipt, order="ORD-2")
            [failed] = jobs.take_failures()
            assert failed.kwargs == {"order": "ORD-2"}
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*a job failed during the test*", "*mail server unreachable for ORD-1*"])
