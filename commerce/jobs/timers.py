"""Timers: jobs the web app sends on a schedule, once per period however many replicas run.

Every web process starts the same timers (`commerce.wiring.TIMERS`). A timer wakes at
each multiple of its period (UTC epoch seconds) and claims that period from the job
backend before it sends: through Redis, the first replica's `SET NX` wins and the
others send nothing, so two replicas sweep webhooks every 15 s, not twice as often,
and the daily purge runs once a day, not once per replica. In one process (the
embedded default, tests) the claim always succeeds.

A replica that starts mid-period sends at once unless another already did, so a
fresh single process still does its upkeep at start, as it always has.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from commerce.jobs.dispatch import current_backend, enqueue_now
from commerce.jobs.registry import Job

log = logging.getLogger(__name__)

# Replicas wake a moment apart, so the same one does not always win.
_WAKE_JITTER_SECONDS = 0.5


@dataclass(frozen=True)
class Timer:
    """Send `job` (no arguments) every `every_seconds`, while `active()` says so."""

    job: Job
    every_seconds: int
    # Checked once at start: e.g. the exchange-rate refresh only when a feed is configured.
    active: Callable[[], bool] = lambda: True

    def period(self, now: float) -> int:
        return int(now // self.every_seconds)


def send_if_first(timer: Timer, now: float | None = None) -> bool:
    """Send the timer's job unless another process already sent it for this period."""
    period = timer.period(time.time() if now is None else now)
    # The claim outlives its period a little, so a late replica cannot claim it again.
    if not current_backend().claim_once(f"timer:{timer.job.name}:{period}", ttl_seconds=timer.every_seconds + 60):
        return False
    enqueue_now(timer.job)
    return True


async def run_timer(timer: Timer) -> None:
    """For the life of the web app: send the timer's job once per period."""
    if not timer.active():
        return
    while True:
        try:
            # Redis I/O: off the event loop.
            await asyncio.to_thread(send_if_first, timer)
        except Exception:  # the queue is away for a moment: the next period tries again
            log.exception("could not send the timed job %s", timer.job.name)
        until_next = timer.every_seconds - time.time() % timer.every_seconds
        await asyncio.sleep(until_next + random.uniform(0, _WAKE_JITTER_SECONDS))


def start_timers(timers: tuple[Timer, ...]) -> list[asyncio.Task]:
    """Start every timer on the running loop; cancel the tasks to stop them."""
    return [asyncio.create_task(run_timer(timer), name=f"timer:{timer.job.name}") for timer in timers]
