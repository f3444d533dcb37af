"""Counting failed attempts per key in a fixed window (Redis, or in-process): sign-ins and
the license API use it to slow down guessing.

`reserve` counts an attempt before it is tried, atomically against the limit, so
parallel requests cannot all read "below the limit" before any failure is recorded;
a successful attempt gives its reservation back with `release`.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from commerce.kit.slot import Slot


class AttemptCounter(Protocol):
    def count(self, key: str) -> int: ...
    def record(self, key: str, window_seconds: int) -> int: ...
    def reset(self, key: str) -> None: ...
    def reserve(self, key: str, limit: int, window_seconds: int) -> bool: ...
    def release(self, key: str) -> None: ...


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

    def reserve(self, key: str, limit: int, window_seconds: int) -> bool:
        """Count one attempt if fewer than `limit` are counted in the window; False (nothing counted) if not."""
        with self._lock:
            now = self._clock()
            expires, count = self._windows.get(key, (0.0, 0))
            if expires <= now:
                expires, count = now + window_seconds, 0
            if count >= limit:
                return False
            self._windows[key] = (expires, count + 1)
            return True

    def release(self, key: str) -> None:
        """Give back one reserved attempt (it succeeded), within the window it was counted in."""
        with self._lock:
            expires, count = self._windows.get(key, (0.0, 0))
            if expires > self._clock() and count > 0:
                self._windows[key] = (expires, count - 1)


# INCR and the window's expiry in one step; over the limit the increment is undone, so
# refused attempts do not count. Returns 1 when the attempt is reserved.
_RESERVE = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[1]) then redis.call('DECR', KEYS[1]) return 0 end
return 1
"""
# DECR only a live key: a window that expired meanwhile must not come back as -1 without a TTL.
_RELEASE = """
if redis.call('GET', KEYS[1]) and tonumber(redis.call('GET', KEYS[1])) > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
"""


class RedisAttemptCounter:
    def __init__(self, client, prefix: str = "ratelimit:"):
        self._redis = client
        self._prefix = prefix
        self._reserve = client.register_script(_RESERVE)
        self._release = client.register_script(_RELEASE)

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

    def reserve(self, key: str, limit: int, window_seconds: int) -> bool:
        return int(self._reserve(keys=[self._prefix + key], args=[limit, window_seconds])) == 1

    def release(self, key: str) -> None:
        self._release(keys=[self._prefix + key])


# Plugged in by commerce.wiring: Redis when REDIS_URL is set (shared by every process), else in-process.
attempt_counter: Slot[AttemptCounter] = Slot("attempt counter")
