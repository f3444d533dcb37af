"""A worker process killed (SIGKILL) in the middle of a job: another worker takes the job
over once the dead one stops sending heartbeats, and each effect happens exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import select
from sqlmodel import SQLModel

from commerce.db import engine_for, unit_of_work
from commerce.jobs import configure_jobs, enqueue_after_commit, shutdown_jobs
from commerce.models.jobs import FailedJob, JobIdempotencyKey
from tests.fixtures import killed_worker
from tests.fixtures.killed_worker import BROKER_OPTIONS, effects, fulfil

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what} after {timeout} s")
        time.sleep(0.05)


@pytest.fixture
def setup(tmp_path):
    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {TEST_REDIS_URL} is not usable ({exc}). `make test` starts it.")
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    engine = engine_for(url)
    SQLModel.metadata.create_all(engine, tables=[FailedJob.__table__, JobIdempotencyKey.__table__])
    effects.metadata.create_all(engine)
    namespace = f"test-killed-{uuid.uuid4().hex[:12]}"
    # The worker processes learn the database and the folder from their environment.
    worker_env = {**os.environ, "PYTHONPATH": str(ROOT), "KILL_TEST_DATABASE_URL": url, "KILL_TEST_DIR": str(tmp_path)}
    configure_jobs(TEST_REDIS_URL, engine=engine, namespace=namespace, broker_options=BROKER_OPTIONS)
    workers: list[subprocess.Popen] = []

    def start_worker() -> subprocess.Popen:
        before = set(tmp_path.glob("worker-*-ready"))
        process = subprocess.Popen(
            [sys.executable, "-m", killed_worker.__name__, TEST_REDIS_URL, namespace],
            cwd=ROOT,
            env=worker_env,
        )
        workers.append(process)
        wait_for(
            lambda: set(tmp_path.glob("worker-*-ready")) - before or process.poll() is not None, 60, "a worker to start"
        )
        assert process.poll() is None, "the worker process exited"
        return process

    yield dict(engine=engine, tmp=tmp_path, start_worker=start_worker)
    for process in workers:
        if process.poll() is None:
            process.kill()
            process.wait()
    shutdown_jobs()
    leftover = list(client.scan_iter(match=f"{namespace}*"))
    if leftover:
        client.delete(*leftover)
    client.close()


def recorded(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(effects.c.name).order_by(effects.c.id)).scalars())


def test_a_worker_killed_mid_job_hands_it_over_and_each_effect_happens_once(setup):
    engine, tmp = setup["engine"], setup["tmp"]
    first = setup["start_worker"]()
    with unit_of_work(engine) as s:
        enqueue_after_commit(s, fulfil, order_id=7)

    wait_for(lambda: (tmp / "half-way-7").exists(), 30, "the job to reach half-way")
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert recorded(engine) == ["grant:7"]

    setup["start_worker"]()
    wait_for(lambda: "receipt:7" in recorded(engine), 60, "another worker to finish the job")
    time.sleep(1)  # a second, wrong delivery would show up here
    assert recorded(engine) == ["grant:7", "receipt:7"]
    with unit_of_work(engine) as s:
        assert s.exec(select(FailedJob)).all() == []
