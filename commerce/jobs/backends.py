"""The two ways jobs run: in this process after commit, or through Redis to workers."""

from __future__ import annotations

import itertools
import json
import logging
import queue
import sys
import threading
import traceback
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from time import monotonic
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import compute_backoff
from dramatiq.middleware import Middleware, Retries
from sqlalchemy.engine import Engine

from commerce.db import unit_of_work
from commerce.jobs.observed import JobMetrics, ObservedAttempt, count_dead_letter, count_enqueued, count_retry
from commerce.jobs.registry import Job
from commerce.models.jobs import FailedJob

log = logging.getLogger(__name__)

_MAX_ERROR_CHARS = 20_000
_STOPPED = "process stopped before the next retry; last error:\n"


def describe_error(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))[-_MAX_ERROR_CHARS:]


def record_failed_job(engine: Engine | None, job_name: str, kwargs: dict[str, Any], error: str, attempts: int) -> None:
    """Write the dead letter; if even that fails, the log is the last record."""
    log.error("job %s failed for good after %d attempt(s): %s", job_name, attempts, error.strip().splitlines()[-1:])
    count_dead_letter(job_name)
    try:
        with unit_of_work(engine) as session:
            session.add(
                FailedJob(
                    job_name=job_name,
                    args_json=json.dumps(kwargs, sort_keys=True),
                    error=error,
                    attempts=attempts,
                )
            )
    except Exception:
        log.exception("could not record failed job %s with arguments %r", job_name, kwargs)


def retry_delay_ms(job: Job, failures_before: int) -> int:
    """dramatiq's exponential backoff with jitter, so both backends wait alike."""
    _, delay = compute_backoff(failures_before, factor=job.min_backoff_ms, max_backoff=job.max_backoff_ms)
    return delay


@dataclass
class _ScheduledRetry:
    job: Job
    kwargs: dict[str, Any]
    attempt: int
    last_error: str
    job_id: str
    timer: threading.Timer | None = None


class InProcessBackend:
    """Runs jobs on a small pool of threads so the request that enqueued them is not held up.

    Waiting jobs are taken by priority (lower first, then in order), so a burst of
    sales delivers before it rolls up. A debounced job waits on a timer, and asking
    for it again meanwhile adds nothing. Retries wait on timers rather than in pool
    threads. Work here lives only as long as the process: on shutdown, debounced jobs
    still waiting run at once, and retries still waiting are written to FailedJob so
    nothing disappears silently.

    Four threads by default: jobs mostly wait on the database, SMTP or a seller's endpoint,
    and with two, the jobs a flash sale queues per order (delivery, purchase events, emails,
    sold counts for search) kept deliveries waiting for a free thread, seconds behind the
    payments (bench/checkout, issue 12).
    """

    def __init__(self, *, engine: Engine | None = None, threads: int = 4) -> None:
        self._engine = engine
        self._queue: queue.PriorityQueue[tuple[int, int, Any]] = queue.PriorityQueue()
        self._sequence = itertools.count()
        self._state = threading.Condition()
        self._outstanding = 0  # enqueued jobs not yet finished, waiting retries included
        self._waiting: Counter[str] = Counter()  # by queue: not started yet (delayed ones included)
        self._scheduled: dict[int, _ScheduledRetry] = {}
        self._debounced: dict[str, tuple[threading.Timer, Job, dict[str, Any]]] = {}
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"job-{i}", daemon=True) for i in range(max(1, threads))
        ]
        for thread in self._threads:
            thread.start()

    def _submit(self, job: Job, kwargs: dict[str, Any], attempt: int, job_id: str) -> None:
        # Taken now: the job is due from here (its retry or debounce delay is over).
        self._queue.put((job.priority, next(self._sequence), (job, kwargs, attempt, job_id, monotonic())))

    def _work(self) -> None:
        while True:
            _, _, item = self._queue.get()
            if item is None:
                return
            self._attempt(*item)

    def enqueue(self, job: Job, kwargs: dict[str, Any]) -> None:
        with self._state:
            if self._closed:
                raise RuntimeError("the in-process job runner is shut down")
            if job.debounce_ms:
                key = job.debounce_key(kwargs)
                if key in self._debounced:
                    return  # the waiting run will see this request's data too
                timer = threading.Timer(job.debounce_ms / 1000, self._run_debounced, args=(key, job, kwargs))
                timer.daemon = True
                self._debounced[key] = (timer, job, kwargs)
                self._outstanding += 1
                self._waiting[job.queue] += 1
                count_enqueued(job.name)
                timer.start()
                return
            self._outstanding += 1
            self._waiting[job.queue] += 1
        count_enqueued(job.name)
        self._submit(job, kwargs, 1, uuid.uuid4().hex)

    def _run_debounced(self, key: str, job: Job, kwargs: dict[str, Any]) -> None:
        with self._state:
            if self._debounced.pop(key, None) is None:
                return  # shutdown took it first
        self._submit(job, kwargs, 1, uuid.uuid4().hex)

    def _attempt(self, job: Job, kwargs: dict[str, Any], attempt: int, job_id: str, due: float) -> None:
        finished = True
        with self._state:
            self._waiting[job.queue] -= 1
        try:
            with ObservedAttempt(job.name, job_id=job_id, attempt=attempt, waited_s=monotonic() - due):
                job.fn(**kwargs)
        except Exception as exc:
            error = describe_error(exc)
            with self._state:
                if attempt <= job.max_retries:
                    if self._closed:
                        error = _STOPPED + error
                    else:
                        self._schedule_retry(_ScheduledRetry(job, kwargs, attempt + 1, error, job_id))
                        finished = False
            if finished:
                record_failed_job(self._engine, job.name, kwargs, error, attempt)
            else:
                count_retry(job.name)
                log.warning("job %s failed on attempt %d, will retry: %r", job.name, attempt, exc)
        finally:
            if finished:
                self._finish_one()

    def _schedule_retry(self, retry: _ScheduledRetry) -> None:
        delay_s = retry_delay_ms(retry.job, retry.attempt - 2) / 1000
        retry.timer = threading.Timer(delay_s, self._run_retry, args=(id(retry),))
        retry.timer.daemon = True
        self._scheduled[id(retry)] = retry
        self._waiting[retry.job.queue] += 1
        retry.timer.start()

    def _run_retry(self, key: int) -> None:
        with self._state:
            retry = self._scheduled.pop(key, None)
        if retry is not None:  # None: shutdown took it first
            self._submit(retry.job, retry.kwargs, retry.attempt, retry.job_id)

    def claim_once(self, key: str, *, ttl_seconds: int) -> bool:
        """One process: nobody else to share the work with."""
        return True

    def queue_depths(self, queues: Iterable[str]) -> dict[str, int]:
        """Jobs not started yet, by queue (those waiting out a retry or debounce delay included)."""
        with self._state:
            return {name: self._waiting[name] for name in queues}

    def _finish_one(self) -> None:
        with self._state:
            self._outstanding -= 1
            self._state.notify_all()

    def wait(self, timeout: float) -> bool:
        """Block until every enqueued job has finished or failed for good."""
        with self._state:
            return self._state.wait_for(lambda: self._outstanding == 0, timeout)

    def shutdown(self, timeout: float) -> None:
        with self._state:
            self._closed = True
            dropped = list(self._scheduled.values())
            self._scheduled.clear()
            debounced = list(self._debounced.items())
            self._debounced.clear()
        for _, (timer, job, kwargs) in debounced:  # waiting to fold more requests in: run now instead
            timer.cancel()
            self._submit(job, kwargs, 1, uuid.uuid4().hex)
        for retry in dropped:
            if retry.timer is not None:  # scheduled retries all have one
                retry.timer.cancel()
            with self._state:
                self._waiting[retry.job.queue] -= 1
            record_failed_job(
                self._engine,
                retry.job.name,
                retry.kwargs,
                _STOPPED + retry.last_error,
                retry.attempt - 1,
            )
            self._finish_one()
        if not self.wait(timeout):
            log.warning("stopping with jobs still running after %.0f s", timeout)
        for _ in self._threads:
            self._queue.put((sys.maxsize, next(self._sequence), None))


class DeadLetters(Middleware):
    """Records a FailedJob once dramatiq's Retries middleware has given up on a message.

    Must sit before Retries in the middleware list: `after_*` hooks run in
    reverse order, so Retries has marked the message failed by the time we look.
    """

    def __init__(self, engine: Engine | None) -> None:
        self._engine = engine

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        if exception is None or not message.failed:
            return
        record_failed_job(
            self._engine,
            message.actor_name,
            message.kwargs,
            describe_error(exception),
            message.options.get("retries", 1),
        )


class DramatiqBackend:
    """Sends jobs to Redis; `python -m commerce.jobs.worker` processes run them."""

    def __init__(
        self,
        redis_url: str,
        *,
        engine: Engine | None = None,
        namespace: str = "commerce",
        broker_options: dict[str, Any] | None = None,
    ) -> None:
        # broker_options reach dramatiq's RedisBroker, e.g. heartbeat_timeout (ms before a
        # silent worker's unacknowledged messages are redelivered to another worker).
        self.namespace = namespace
        self.broker = RedisBroker(url=redis_url, namespace=namespace, **(broker_options or {}))
        self.broker.add_middleware(DeadLetters(engine), before=Retries)
        self.broker.add_middleware(JobMetrics(), before=Retries)
        self._declare_lock = threading.Lock()

    def declare(self, job: Job) -> dramatiq.Actor:
        with self._declare_lock:
            if job.name in self.broker.actors:
                return self.broker.get_actor(job.name)
            return dramatiq.Actor(
                job.fn,
                broker=self.broker,
                actor_name=job.name,
                queue_name=job.queue,
                priority=job.priority,
                options={
                    "max_retries": job.max_retries,
                    "min_backoff": job.min_backoff_ms,
                    "max_backoff": job.max_backoff_ms,
                },
            )

    def enqueue(self, job: Job, kwargs: dict[str, Any]) -> None:
        actor = self.declare(job)
        if job.debounce_ms:
            # One message per window: the first request sets the key and sends a delayed
            # message; requests until it expires (when the message becomes due) add nothing.
            key = f"{self.namespace}:debounce:{job.debounce_key(kwargs)}"
            if not self.broker.client.set(key, b"1", nx=True, px=job.debounce_ms):
                return
            actor.send_with_options(kwargs=kwargs, delay=job.debounce_ms)
        else:
            actor.send_with_options(kwargs=kwargs)
        count_enqueued(job.name)

    def claim_once(self, key: str, *, ttl_seconds: int) -> bool:
        """True for the first process of the cluster that claims `key` before it expires."""
        return bool(self.broker.client.set(f"{self.namespace}:{key}", b"1", nx=True, ex=ttl_seconds))

    def queue_depths(self, queues: Iterable[str]) -> dict[str, int]:
        """Messages not done yet, by queue: waiting, delayed (a retry's backoff, a debounce) or running.

        dramatiq's Redis broker keeps each message in a hash per queue (and one per delay
        queue) until a worker acknowledges it; its own `qsize` also adds the messages the
        asking process holds, which would count a worker's prefetched ones twice.
        """
        names = list(queues)
        with self.broker.client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hlen(f"{self.namespace}:{name}.msgs")
                pipe.hlen(f"{self.namespace}:{name}.DQ.msgs")
            counts = pipe.execute()
        return {name: int(counts[2 * i]) + int(counts[2 * i + 1]) for i, name in enumerate(names)}

    def shutdown(self, timeout: float) -> None:
        self.broker.close()
