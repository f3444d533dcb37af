"""Short database transactions of HTTP routes, run on worker threads a few at a time.

A payment webhook or a license check is a few milliseconds of Python between database
round trips. Starlette's thread pool would run up to 40 of them at once; in a flash sale
(20 buyers of one shop, bench/checkout) the webhooks then take turns on the interpreter
lock after every round trip, and the switching costs more than the work. At most
`TRANSACTION_THREADS` run at once here and the rest wait on the event loop, in order.
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
# waiting (35 orders/s); Starlette's 40 gave 54-61 orders/s, checkout->paid p95 570-730 ms;
# 8 gave 67-76 orders/s, p95 500-530 ms (bench/README.md, issue 12 section 1).
TRANSACTION_THREADS = 8

# One limiter per event loop: a limiter waits on its loop's futures (tests run several loops).
_limiters: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = WeakKeyDictionary()


def _limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(TRANSACTION_THREADS)
    return limiter


async def run_transaction(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` on a worker thread, in a copy of this context (as Starlette's
    `run_in_threadpool`), once one of this process's `TRANSACTION_THREADS` slots is free."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=_limiter())
