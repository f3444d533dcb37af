"""Choosing the backend once, and handing jobs to it after a commit."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from commerce.db import after_commit
from commerce.jobs.backends import DramatiqBackend, InProcessBackend, describe_error, record_failed_job
from commerce.jobs.eager import EagerBackend
from commerce.jobs.registry import Job
from commerce.observability import metrics

log = logging.getLogger(__name__)

Backend = InProcessBackend | DramatiqBackend | EagerBackend

_lock = threading.Lock()
_backend: Backend | None = None
_engine: Engine | None = None


def configure_jobs(
    redis_url: str | None,
    *,
    engine: Engine | None = None,
    namespace: str = "commerce",
    threads: int = 4,
    broker_options: dict[str, Any] | None = None,
) -> None:
    """Pick where jobs run: Redis workers when `redis_url` is set, else this process.

    Call once at startup (web app and worker alike). `engine` is where FailedJob
    rows go (default: the app database); `namespace` prefixes every Redis key;
    `threads` sizes the in-process pool; `broker_options` go to dramatiq's RedisBroker.
    """
    global _backend, _engine
    with _lock:
        previous = _backend
        if redis_url:
            _backend = DramatiqBackend(redis_url, engine=engine, namespace=namespace, broker_options=broker_options)
        else:
            _backend = InProcessBackend(engine=engine, threads=threads)
        _engine = engine
    if previous is not None:
        previous.shutdown(timeout=5)
    log.info("jobs run %s", "through Redis workers" if redis_url else "in-process after commit")


@contextmanager
def jobs_run_by(backend: Backend) -> Iterator[Backend]:
    """Send every job to `backend` for the duration, then go back to the one before.

    Tests run each test's jobs on an `EagerBackend` of its own this way, so no job of
    one test runs during another.
    """
    global _backend
    with _lock:
        previous, _backend = _backend, backend
    try:
        yield backend
    finally:
        with _lock:
            _backend = previous


def current_backend() -> Backend:
    """The configured backend; a process that never called configure_jobs gets the one
    its settings describe (a CLI command, a test), so enqueueing never depends on startup order."""
    if _backend is None:
        from commerce.config import get_settings

        settings = get_settings()
        configure_jobs(settings.redis_url, broker_options=settings.job_broker_options)
    assert _backend is not None, "configure_jobs sets the backend"
    return _backend


def enqueue_after_commit(session: Session, job_fn: Job, **kwargs: Any) -> None:
    """Run `job_fn(**kwargs)` in the background once `session` commits; never if it rolls back.

    Arguments are checked now (they must fit the function and be JSON), so a
    mistake fails the request that made it rather than a worker later. The same
    job with the same arguments is sent once per transaction, however often asked.
    """
    if not isinstance(job_fn, Job):
        raise TypeError(f"{job_fn!r} is not a job: decorate it with @job")
    payload = job_fn.payload(kwargs)
    current_backend()

    def send() -> None:
        try:
            current_backend().enqueue(job_fn, payload)
        except Exception as exc:  # e.g. Redis unreachable: the data is committed, keep a trace of the job
            record_failed_job(_engine, job_fn.name, payload, "could not enqueue:\n" + describe_error(exc), 0)

    after_commit(session, send, once_as=(job_fn.name, json.dumps(payload, sort_keys=True)))


def enqueue_now(job_fn: Job, **kwargs: Any) -> None:
    """Send a job that no transaction waits on (a timer's periodic work); same checks."""
    if not isinstance(job_fn, Job):
        raise TypeError(f"{job_fn!r} is not a job: decorate it with @job")
    current_backend().enqueue(job_fn, job_fn.payload(kwargs))


def record_queue_depths(queues: Iterable[str]) -> None:
    """Read how many jobs wait in each of `queues` into the job_queue_depth gauge (at each scrape;
    with Redis this asks the server, so it runs off the event loop)."""
    for name, depth in current_backend().queue_depths(sorted(set(queues))).items():
        metrics.JOB_QUEUE_DEPTH.labels(name).set(depth)


def wait_for_jobs(timeout: float) -> bool:
    """Jobs run in this process: wait until all enqueued jobs are done; False on timeout."""
    backend = current_backend()
    if isinstance(backend, DramatiqBackend):
        raise RuntimeError("jobs run in separate worker processes; there is nothing to wait for here")
    return backend.wait(timeout)


def shutdown_jobs(timeout: float = 30) -> None:
    """Stop accepting jobs; let running ones finish for up to `timeout` seconds."""
    global _backend
    with _lock:
        backend, _backend = _backend, None
    if backend is not None:
        backend.shutdown(timeout)
