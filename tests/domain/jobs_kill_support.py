"""A job and a worker process for test_jobs_killed_worker.py (imported by both processes).

The job grants access, then (on its first run only) signals that it is half-way and
hangs, so the test can SIGKILL the worker process at exactly that point.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table

from commerce.db import engine_for, unit_of_work
from commerce.jobs import claim_idempotency_key, configure_jobs, job

effects = Table(
    "killed_job_effects",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
)
# Redeliver a dead worker's messages after 1 s of silence, and look for them on every fetch.
BROKER_OPTIONS = {"heartbeat_timeout": 1000, "maintenance_chance": 1_000_000}


def _engine():
    return engine_for(os.environ["KILL_TEST_DATABASE_URL"])


def _record(name: str) -> None:
    with unit_of_work(_engine()) as s:
        if claim_idempotency_key(s, f"killed-test:{name}"):
            s.exec(effects.insert().values(name=name))


@job(max_retries=3, min_backoff_ms=10, max_backoff_ms=100, queue="jobs_kill_test")
def fulfil(order_id: int) -> None:
    _record(f"grant:{order_id}")
    half_way = Path(os.environ["KILL_TEST_DIR"]) / f"half-way-{order_id}"
    if not half_way.exists():
        half_way.touch()
        time.sleep(120)  # killed here
    _record(f"receipt:{order_id}")


def run_worker() -> None:
    """`python -m tests.domain.jobs_kill_support <redis url> <namespace>`: a worker until killed."""
    from commerce.jobs.worker import start_worker

    configure_jobs(sys.argv[1], engine=_engine(), namespace=sys.argv[2], broker_options=BROKER_OPTIONS)
    start_worker([fulfil], threads=1, timeout_ms=100)
    (Path(os.environ["KILL_TEST_DIR"]) / f"worker-{os.getpid()}-ready").touch()
    while True:
        time.sleep(1)


if __name__ == "__main__":
    # Run from the module imported under its own name, so the job's name is the one the test sends.
    from tests.domain.jobs_kill_support import run_worker as run_imported_worker

    run_imported_worker()
