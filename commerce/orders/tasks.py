"""Background work of the orders module: a paid order's emails, refreshing exchange rates from the configured feed."""

from __future__ import annotations

import asyncio
import logging

from commerce.db import unit_of_work
from commerce.jobs import enqueue_now, job
from commerce.orders.currency import apply_rates
from commerce.orders.rates import configured_provider
from commerce.orders.receipts import schedule_paid_emails

log = logging.getLogger(__name__)

REFRESH_INTERVAL_SECONDS = 24 * 60 * 60  # the ECB publishes once a working day


@job(max_retries=5, min_backoff_ms=5_000, queue="email", priority=2)
def send_paid_emails(order_id: int) -> None:
    """Render and send a paid order's receipt and sale alerts, after the payment committed."""
    with unit_of_work() as s:
        schedule_paid_emails(s, order_id)


@job(max_retries=5, min_backoff_ms=60_000, max_backoff_ms=3_600_000)
def refresh_exchange_rates() -> None:
    """Fetch the feed and update the offered currencies' rates (nothing when unconfigured)."""
    provider = configured_provider()
    if provider is None:
        return
    rates = provider.fetch_rates_per_eur()  # before the transaction: no connection held while fetching
    with unit_of_work() as s:
        changed = apply_rates(s, provider.name, rates)
    log.info("exchange rates refreshed from %s: %d currencies updated", provider.url, changed)


async def periodic_rate_refresh() -> None:
    """Run for the life of the web app when a feed is configured: refresh once a day."""
    if configured_provider() is None:
        return
    while True:
        try:
            await asyncio.to_thread(enqueue_now, refresh_exchange_rates)  # Redis I/O: off the event loop
        except Exception:  # the queue is away for a moment: the next round tries again
            log.exception("could not schedule the exchange-rate refresh")
        await asyncio.sleep(REFRESH_INTERVAL_SECONDS)
