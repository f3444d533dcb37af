"""Analytics jobs: rolling events up into the dashboard's figures, and purging old ones.

A sale schedules a rollup right after its commit (`subscribers`), so the seller's
dashboard moves within seconds; views are rolled up every minute by the web app's timer
(`commerce.wiring.TIMERS`), and `python -m commerce.cli analytics-rollup`
does the same by hand.
"""

from __future__ import annotations

import logging

from commerce.analytics import paid, rollups
from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.jobs import enqueue_after_commit, job

log = logging.getLogger(__name__)


@job(max_retries=8, min_backoff_ms=1_000, max_backoff_ms=120_000, queue="analytics", priority=5)
def record_paid_order(order_id: int) -> None:
    """Count a sale once its payment has committed (purchase events, the sellers' notices)."""
    with unit_of_work() as s:
        if paid.record_paid_order(s, order_id):
            enqueue_after_commit(s, roll_up_analytics)


@job(max_retries=3, min_backoff_ms=10_000, queue="analytics", priority=5)
def record_missed_sales() -> None:
    """Count the paid orders whose `record_paid_order` job was lost (a process stopped)."""
    with unit_of_work() as s:
        missed = paid.uncounted_paid_orders(s)
    for order_id in missed:
        log.warning("analytics: counting order %d, whose sale job was lost", order_id)
        record_paid_order(order_id=order_id)


# Debounced: a burst of sales (and the minute's views) costs one run every couple of seconds.
@job(max_retries=8, min_backoff_ms=1_000, max_backoff_ms=120_000, queue="analytics", priority=10, debounce_ms=2_000)
def roll_up_analytics() -> None:
    """Recompute every pending shop day. Idempotent: a rerun recomputes the same totals."""
    while True:
        with unit_of_work() as s:
            done = rollups.roll_up_pending(s, limit=200)
        if done < 200:
            return


@job(max_retries=3, min_backoff_ms=60_000, queue="analytics")
def purge_analytics_events() -> None:
    with unit_of_work() as s:
        events, hourly = rollups.purge(s, retention_days=get_settings().analytics_retention_days)
    log.info("analytics: deleted %d old visitor events and %d hourly rows", events, hourly)
