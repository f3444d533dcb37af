"""Timed jobs: every replica runs the same timers, and each period's job is sent once."""

import asyncio
import os
import uuid

import pytest
import redis

from commerce import wiring
from commerce.jobs import EagerBackend, job, jobs_run_by
from commerce.jobs.backends import DramatiqBackend
from commerce.jobs.timers import Timer, run_timer, send_if_first

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
QUEUE = "timer-test"
# A period boundary: 1.8e9 is a multiple of 60.
START = 1_800_000_000.0


@job(max_retries=0, min_backoff_ms=1_000, max_backoff_ms=1_000, queue=QUEUE)
def upkeep() -> None:
    """What a timer sends (never run here: no worker consumes the test queue)."""


@pytest.fixture
def two_replicas():
    """Two web processes' job backends on one Redis, as in `make cluster`."""
    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {TEST_REDIS_URL} is not usable ({exc}). `make test` starts it.")
    namespace = f"test-timers-{uuid.uuid4().hex[:12]}"
    replicas = [DramatiqBackend(TEST_REDIS_URL, namespace=namespace) for _ in range(2)]
    yield replicas
    for backend in replicas:
        backend.shutdown(timeout=5)
    leftover = list(client.scan_iter(match=f"{namespace}*"))
    if leftover:
        client.delete(*leftover)
    client.close()


def sent(backend: DramatiqBackend) -> int:
    return backend.queue_depths([QUEUE])[QUEUE]


def test_two_replicas_send_a_periods_job_once(two_replicas):
    first, second = two_replicas
    every_minute = Timer(upkeep, 60)
    with jobs_run_by(first):
        assert send_if_first(every_minute, START)
    with jobs_run_by(second):
        assert not send_if_first(every_minute, START + 30)
    assert sent(first) == 1

    # The next minute is the next period: whichever replica wakes first sends it.
    with jobs_run_by(second):
        assert send_if_first(every_minute, START + 60)
    with jobs_run_by(first):
        assert not send_if_first(every_minute, START + 61)
    assert sent(first) == 2


def test_running_timers_on_two_replicas_do_not_double_the_work(two_replicas):
    every_second = Timer(upkeep, 1)

    async def both_replicas_for(seconds: float) -> None:
        async def replica(backend):
            with jobs_run_by(backend):
                await run_timer(every_second)

        tasks = [asyncio.create_task(replica(backend)) for backend in two_replicas]
        await asyncio.sleep(seconds)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(both_replicas_for(2.5))
    # 2.5 s (plus the wake-up jitter) touch at most four one-second periods; each replica
    # on its own would have sent at start and at each of the two or three boundaries.
    assert 2 <= sent(two_replicas[0]) <= 4


def test_one_process_sends_at_every_period():
    with jobs_run_by(EagerBackend()) as backend:
        assert send_if_first(Timer(upkeep, 60), START)
        assert send_if_first(Timer(upkeep, 60), START + 1)
        assert len(backend.ran(upkeep)) == 2


def test_a_timer_that_is_not_active_sends_nothing():
    with jobs_run_by(EagerBackend()) as backend:
        asyncio.run(run_timer(Timer(upkeep, 60, active=lambda: False)))
        assert backend.ran(upkeep) == []


def test_every_timed_job_is_one_the_workers_consume():
    assert {timer.job.name for timer in wiring.TIMERS} <= {j.name for j in wiring.JOBS}
