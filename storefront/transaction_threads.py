"""Short database transactions of HTTP routes, run on worker threads a few at a time.

A payment webhook or a license check is a few milliseconds of Python between database
round trips. Starlette's thread pool would run up to 40 of them at once; in a flash sale
(20 buyers of one shop, bench/checkout) the webhooks then took turns on the interpreter
lock after every round trip, and the switching cost more than the work. Each kind of call
has its own lane of at most `LANE_THREADS` threads, the rest waiting on the event loop in
order, so that a flood of license checks never holds up a payment, nor the reverse.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread

P = ParamSpec("P")
T = TypeVar("T")

# bench/checkout, one shop, 20 buyers, on 2 cores: 2 threads left the database round trips
# waiting (35 orders/s); Starlette's 40 gave 54-61 orders/s, checkout->paid p95 580-730 ms;
# 8 gave 67-76 orders/s, p95 500-550 ms (bench/README.md, issue 12 section 1).
LANE_THREADS = 8


class TransactionLane:
    """Runs one kind of call on worker threads, at most `threads` at once in this process."""

    def __init__(self, threads: int = LANE_THREADS) -> None:
        self.threads = threads
        # One limiter per event loop: a limiter waits on its loop's futures (tests run several loops).
        self._limiters: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = WeakKeyDictionary()

    def _limiter(self) -> anyio.CapacityLimiter:
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = anyio.CapacityLimiter(self.threads)
        return limiter

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` on a worker thread, in a copy of this context (as Starlette's
        `run_in_threadpool`), once one of the lane's threads is free."""
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=self._limiter())


PAYMENT_EVENTS = TransactionLane()  # the gateways' webhooks: payments and payouts
LICENSE_CHECKS = TransactionLane()  # sellers' software: validate, activate, deactivate
