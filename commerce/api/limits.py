"""Per-key rate limits: a number of requests per fixed minute, counted in the attempt counter
(Redis when `REDIS_URL` is set, so every process shares the count; in-process otherwise).

Windows are aligned to the clock (each UTC minute), so the time left until the next one,
which the `RateLimit` header reports, is known without asking the counter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from commerce import ratelimit

REQUESTS_PER_WINDOW = 120
WINDOW_SECONDS = 60
POLICY_NAME = "per-key"


@dataclass(frozen=True)
class RateLimitState:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    @property
    def policy_header(self) -> str:
        """RateLimit-Policy (IETF httpapi draft): the quota and the window, in seconds."""
        return f'"{POLICY_NAME}";q={self.limit};w={WINDOW_SECONDS}'

    @property
    def header(self) -> str:
        """RateLimit: what is left in this window and when it resets."""
        return f'"{POLICY_NAME}";r={self.remaining};t={self.reset_seconds}'


def take(api_key_id: int, *, limit: int | None = None, clock=time.time) -> RateLimitState:
    """Count one request of the key in the current window; `allowed` False when over the limit."""
    limit = REQUESTS_PER_WINDOW if limit is None else limit
    now = clock()
    window = int(now // WINDOW_SECONDS)
    reset = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
    counter = ratelimit.attempt_counter()
    name = f"api:{api_key_id}:{window}"
    allowed = counter.reserve(name, limit, WINDOW_SECONDS + 1)
    remaining = max(0, limit - counter.count(name))
    return RateLimitState(allowed=allowed, limit=limit, remaining=remaining, reset_seconds=reset)
