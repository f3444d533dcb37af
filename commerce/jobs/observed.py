"""What every job attempt reports, whichever backend runs it: one log line and its metrics.

Each backend wraps an attempt in `ObservedAttempt` (the in-process pool and the tests'
eager backend directly, dramatiq's workers through the `JobMetrics` middleware), so the
figures and lines read the same in development, in tests and on Redis workers.
"""

from __future__ import annotations

import logging
import threading
from time import perf_counter
from types import TracebackType
from typing import Any

from dramatiq.common import current_millis
from dramatiq.middleware import Middleware

from commerce.observability import errors, logs, metrics

log = logs.get_logger("commerce.jobs")


class ObservedAttempt:
    """Times one attempt, binds its job id to every line logged inside, and reports it."""

    def __init__(self, job_name: str, *, job_id: str, attempt: int, waited_s: float | None = None) -> None:
        self.job_name, self.job_id, self.attempt, self.waited_s = job_name, job_id, attempt, waited_s
        self._scope = logs.scope(job=job_name, job_id=job_id)
        self._start = 0.0

    def __enter__(self) -> ObservedAttempt:
        self._scope.__enter__()
        self._start = perf_counter()
        if self.waited_s is not None:
            metrics.JOB_WAIT.labels(self.job_name).observe(max(0.0, self.waited_s))
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.finish(exc)

    def finish(self, error: BaseException | None) -> None:
        seconds = perf_counter() - self._start
        outcome = "succeeded" if error is None else "failed"
        metrics.JOB_DURATION.labels(self.job_name).observe(seconds)
        metrics.JOB_RUNS.labels(self.job_name, outcome).inc()
        fields: dict[str, Any] = {"attempt": self.attempt, "outcome": outcome, "duration_ms": round(seconds * 1000, 1)}
        if self.waited_s is not None:
            fields["waited_ms"] = round(max(0.0, self.waited_s) * 1000, 1)
        if error is not None:
            fields["error"] = type(error).__name__
            errors.report(error)
        log.log(logging.INFO if error is None else logging.WARNING, "job", **fields)
        self._scope.__exit__(None, None, None)


def count_enqueued(job_name: str) -> None:
    metrics.JOBS_ENQUEUED.labels(job_name).inc()


def count_retry(job_name: str) -> None:
    metrics.JOB_RETRIES.labels(job_name).inc()


def count_dead_letter(job_name: str) -> None:
    metrics.JOB_DEAD_LETTERS.labels(job_name).inc()


class JobMetrics(Middleware):
    """dramatiq's hooks around each message a worker processes.

    Sits before dramatiq's Retries middleware (like DeadLetters): `after_*` hooks run in
    reverse order, so by then Retries has decided whether the failure is retried.
    """

    def __init__(self) -> None:
        self._local = threading.local()  # a worker thread processes one message at a time

    def before_process_message(self, broker, message) -> None:
        # Due since it was sent, or since its delay (a retry's backoff, a debounce) ran out.
        due_ms = message.options.get("eta") or message.message_timestamp
        attempt = ObservedAttempt(
            message.actor_name,
            job_id=message.message_id,
            attempt=message.options.get("retries", 0) + 1,
            waited_s=max(0, current_millis() - due_ms) / 1000,
        )
        self._local.attempt = attempt.__enter__()

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        attempt: ObservedAttempt | None = getattr(self._local, "attempt", None)
        self._local.attempt = None
        if attempt is not None:
            attempt.finish(exception)
        if exception is not None and not message.failed:
            count_retry(message.actor_name)

    def after_skip_message(self, broker, message) -> None:
        attempt: ObservedAttempt | None = getattr(self._local, "attempt", None)
        self._local.attempt = None
        if attempt is not None:
            attempt.finish(None)
