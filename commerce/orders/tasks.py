"""Background work of the orders module: a paid order's emails, refreshing exchange rates from the configured feed."""

from __future__ import annotations

import logging

from commerce.db import unit_of_work
from commerce.jobs import job
from commerce.orders.currency import apply_rates
from commerce.orders.rates import configured_provider
from commerce.orders.receipts import schedule_paid_emails

log = logging.getLogger(__name__)


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
