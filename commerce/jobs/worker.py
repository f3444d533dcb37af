"""Consuming jobs from Redis: what `python -m commerce.cli worker` (`make worker`) runs."""

from __future__ import annotations

from collections.abc import Iterable

import dramatiq

from commerce.jobs.backends import DramatiqBackend
from commerce.jobs.dispatch import current_backend
from commerce.jobs.registry import Job


def start_worker(jobs: Iterable[Job], *, threads: int = 4, timeout_ms: int = 1000) -> dramatiq.Worker:
    """Start consuming the queues of `jobs` (every job a worker may be sent); the caller stops it."""
    backend = current_backend()
    if not isinstance(backend, DramatiqBackend):
        raise RuntimeError("no Redis configured: jobs run in-process, there is nothing for a worker to consume")
    jobs = tuple(jobs)
    names = [job.name for job in jobs]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"two jobs share the name(s) {sorted(duplicates)}: the queue could not tell them apart")
    for job in jobs:
        backend.declare(job)
    worker = dramatiq.Worker(backend.broker, worker_threads=threads, worker_timeout=timeout_ms)
    worker.start()
    return worker
