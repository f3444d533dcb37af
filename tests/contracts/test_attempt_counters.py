"""Sign-in attempt counters: the in-process one and the Redis one behave alike."""

import os
import time
import uuid

import pytest
import redis

from commerce.ratelimit import MemoryAttemptCounter, RedisAttemptCounter

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture(params=["memory", "redis"])
def counter(request):
    if request.param == "memory":
        clock = FakeClock()
        yield MemoryAttemptCounter(clock=clock), lambda seconds: setattr(clock, "now", clock.now + seconds)
        return
    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"test-ratelimit-{uuid.uuid4().hex}:"
    yield RedisAttemptCounter(client, prefix=prefix), time.sleep
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)


def test_counts_failures_per_key(counter):
    attempts, _ = counter
    assert attempts.count("a") == 0
    assert attempts.record("a", 60) == 1
    assert attempts.record("a", 60) == 2
    assert attempts.count("a") == 2
    assert attempts.count("b") == 0


def test_reset_forgets_a_key(counter):
    attempts, _ = counter
    attempts.record("a", 60)
    attempts.reset("a")
    assert attempts.count("a") == 0


def test_window_expires_from_the_first_failure(counter):
    attempts, wait = counter
    attempts.record("a", 1)
    attempts.record("a", 1)  # a later failure does not extend the window
    wait(1.2)
    assert attempts.count("a") == 0
    assert attempts.record("a", 1) == 1


def test_reserve_counts_up_to_the_limit_and_release_gives_one_back(counter):
    attempts, _ = counter
    assert [attempts.reserve("a", 3, 60) for _ in range(4)] == [True, True, True, False]
    assert attempts.count("a") == 3  # a refused reservation is not counted
    attempts.release("a")
    assert attempts.count("a") == 2
    assert attempts.reserve("a", 3, 60)


def test_release_after_the_window_leaves_nothing_behind(counter):
    attempts, wait = counter
    assert attempts.reserve("a", 3, 1)
    wait(1.2)
    attempts.release("a")
    assert attempts.count("a") == 0
    assert attempts.reserve("a", 1, 60)
    assert not attempts.reserve("a", 1, 60)
