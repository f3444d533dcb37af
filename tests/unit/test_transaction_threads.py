"""Routes' short transactions run a few at a time per kind, each in its caller's context."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

from storefront.transaction_threads import LANE_THREADS, LICENSE_CHECKS, PAYMENT_EVENTS

REQUEST = contextvars.ContextVar("request", default=None)


def test_no_more_than_the_lanes_threads_run_at_once_and_every_call_gets_its_answer():
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
        return await asyncio.gather(*(PAYMENT_EVENTS.run(work, n) for n in range(3 * LANE_THREADS)))

    assert asyncio.run(burst()) == [n * n for n in range(3 * LANE_THREADS)]
    assert most == LANE_THREADS


def test_a_flood_of_license_checks_does_not_hold_up_a_payment():
    release = threading.Event()

    async def flood_then_pay() -> tuple[str, int]:
        stuck = [asyncio.ensure_future(LICENSE_CHECKS.run(release.wait, 10)) for _ in range(3 * LANE_THREADS)]
        await asyncio.sleep(0.05)  # every license-check thread is taken
        try:
            paid = await asyncio.wait_for(PAYMENT_EVENTS.run(lambda: "paid"), timeout=5)
            waiting = sum(not task.done() for task in stuck)
        finally:
            release.set()
            await asyncio.gather(*stuck)
        return paid, waiting

    assert asyncio.run(flood_then_pay()) == ("paid", 3 * LANE_THREADS)


def test_the_work_sees_the_callers_context_and_its_errors_reach_the_caller():
    async def call() -> str | None:
        REQUEST.set("webhook 1")
        return await PAYMENT_EVENTS.run(REQUEST.get)

    def refuse() -> None:
        raise ValueError("bad signature")

    async def failing() -> str:
        try:
            await PAYMENT_EVENTS.run(refuse)
        except ValueError as error:
            return str(error)
        return "no error"

    # Each asyncio.run is a new event loop: the lane works in every loop (tests run several).
    assert asyncio.run(call()) == "webhook 1"
    assert asyncio.run(failing()) == "bad signature"
    assert asyncio.run(call()) == "webhook 1"
