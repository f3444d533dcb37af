"""Counting failed attempts per key in a fixed window (Redis, or in-process): sign-ins and
the license API use it to slow down guessing."""

from __future__ import annotations

import threading
import time
from typing import Protocol

from commerce.kit.slot import Slot


class AttemptCounter(Protocol):
    def count(self, key: str) -> int: ...
    def record(self, key: str, window_seconds: int) -> int: ...
    def reset(self, key: str) -> None: ...


class MemoryAttemptCounter:
    """For one process (`make run`); several workers need the Redis counter."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def count(self, key: str) -> int:
        with self._lock:
            expires, count = self._windows.get(key, (0.0, 0))
            return count if expires > self._clock() else 0

    def record(self, key: str, window_seconds: int) -> int:
        with self._lock:
            now = self._clock()
            expires, count = self._windows.get(key, (0.0, 0))
            if expires <= now:
                expires, count = now + window_seconds, 0
            self._windows[key] = (expires, count + 1)
            return count + 1

    def reset(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)


class RedisAttemptCounter:
    def __init__(self, client, prefix: str = "ratelimit:"):
        self._redis = client
        self._prefix = prefix

    def count(self, key: str) -> int:
        return int(self._redis.get(self._prefix + key) or 0)

    def record(self, key: str, window_seconds: int) -> int:
        name = self._prefix + key
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window_seconds, nx=True)  # the window starts at the first failure
        count, _ = pipe.execute()
        return int(count)

    def reset(self, key: str) -> None:
        self._redis.delete(self._prefix + key)


# Plugged in by commerce.wiring: Redis when REDIS_URL is set (shared by every process), else in-process.
attempt_counter: Slot[AttemptCounter] = Slot("attempt counter")
