"""Running jobs at once in the thread that enqueued them, recording each run: the tests' backend.

Like Celery's eager mode: a job enqueued after a commit runs right after that commit,
before the committing call returns, so a test sees its effects on the next line. Each
run is recorded with its arguments and, if it raised, its error; there are no retries
and no dead letters, because a test decides what a failure means (`take_failures`).
"""

from __future__ import annotations

import logging
import threading
import traceback
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from commerce.jobs.observed import ObservedAttempt, count_enqueued
from commerce.jobs.registry import Job

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobRun:
    """One run of a job: what ran, with which arguments, and the error it raised (if any)."""

    job: Job
    kwargs: dict[str, Any]
    error: BaseException | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    def describe(self) -> str:
        line = f"{self.job.name}({self.kwargs})"
        if self.error is None:
            return line
        return f"{line} failed:\n" + "".join(traceback.format_exception(self.error))


class EagerBackend:
    """Runs each job once, synchronously, in the enqueuing thread; keeps every run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: list[JobRun] = []
        self._acknowledged: set[int] = set()  # indexes of failures a test took
        # A job that enqueues another (after its own commit) runs it once it has returned,
        # in the same thread, rather than inside its own commit.
        self._local = threading.local()

    def enqueue(self, job: Job, kwargs: dict[str, Any]) -> None:
        count_enqueued(job.name)
        waiting = getattr(self._local, "waiting", None)
        if waiting is not None:
            waiting.append((job, kwargs))
            return
        self._local.waiting = waiting = deque([(job, kwargs)])
        try:
            while waiting:
                self._run(*waiting.popleft())
        finally:
            self._local.waiting = None

    def _run(self, job: Job, kwargs: dict[str, Any]) -> None:
        try:
            with ObservedAttempt(job.name, job_id=uuid.uuid4().hex, attempt=1, waited_s=0.0):
                job.fn(**kwargs)
        except Exception as exc:
            log.warning("job %s(%r) failed: %r", job.name, kwargs, exc)
            run = JobRun(job, kwargs, exc)
        else:
            run = JobRun(job, kwargs)
        with self._lock:
            self._runs.append(run)

    @property
    def runs(self) -> list[JobRun]:
        """Every run so far, in the order they finished."""
        with self._lock:
            return list(self._runs)

    def ran(self, job: Job) -> list[dict[str, Any]]:
        """The arguments of each run of `job`, failed or not."""
        return [run.kwargs for run in self.runs if run.job.name == job.name]

    def take_failures(self) -> list[JobRun]:
        """The failed runs no one has taken yet; taking them says the caller expected them."""
        with self._lock:
            taken = [i for i, run in enumerate(self._runs) if run.failed and i not in self._acknowledged]
            self._acknowledged.update(taken)
            return [self._runs[i] for i in taken]

    @property
    def unexpected_failures(self) -> list[JobRun]:
        """Failed runs that no one has taken (a test fails on these)."""
        with self._lock:
            return [run for i, run in enumerate(self._runs) if run.failed and i not in self._acknowledged]

    def claim_once(self, key: str, *, ttl_seconds: int) -> bool:
        """Tests run one process: every claim succeeds."""
        return True

    def queue_depths(self, queues: Iterable[str]) -> dict[str, int]:
        """Nothing waits: every job ran before its enqueue returned."""
        return dict.fromkeys(queues, 0)

    def wait(self, timeout: float) -> bool:
        """Nothing to wait for: every job ran before its enqueue returned."""
        return True

    def shutdown(self, timeout: float) -> None:
        """Nothing runs in the background."""
