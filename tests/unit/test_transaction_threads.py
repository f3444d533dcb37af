"""Routes' short transactions run a few at a time, each in its caller's context."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

from storefront.transaction_threads import TRANSACTION_THREADS, run_transaction

REQUEST = contextvars.ContextVar("request", default=None)


def test_no_more_than_the_limit_run_at_once_and_every_call_gets_its_answer():
    running = 0
    most = 0
    lock = threading.Lock()

    def work(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return n * n

    async def burst() -> list[int]:
        return await asyncio.gather(*(run_transaction(work, n) for n in range(3 * TRANSACTION_THREADS)))

    assert asyncio.run(burst()) == [n * n for n in range(3 * TRANSACTION_THREADS)]
    assert most == TRANSACTION_THREADS


def test_the_work_sees_the_callers_context_and_its_errors_reach_the_caller():
    async def call() -> str | None:
        REQUEST.set("webhook 1")
        return await run_transaction(REQUEST.get)

    def refuse() -> None:
        raise ValueError("bad signature")

    async def failing() -> str:
        try:
            await run_transaction(refuse)
        except ValueError as error:
            return str(error)
        return "no error"

    # Each asyncio.run is a new event loop: the limit works in every loop (tests run several).
    assert asyncio.run(call()) == "webhook 1"
    assert asyncio.run(failing()) == "bad signature"
    assert asyncio.run(call()) == "webhook 1"
