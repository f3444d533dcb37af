"""Delivery's jobs: granting a paid product, stamping PDFs, telling owners about updates."""

from __future__ import annotations

from commerce.db import unit_of_work
from commerce.delivery import grants, updates
from commerce.jobs import enqueue_after_commit, job


@job(max_retries=8, min_backoff_ms=2_000, max_backoff_ms=600_000, queue="delivery")
def deliver_fulfilment(fulfilment_id: int) -> None:
    """Grant one paid product (issue its key, start its stamped copies), once."""
    with unit_of_work() as s:
        grants.deliver(s, fulfilment_id)


@job(max_retries=5, min_backoff_ms=15_000, queue="delivery")
def notify_product_update(version_id: int) -> None:
    with unit_of_work() as s:
        updates.notify_owners(s, version_id)


@job(max_retries=3, min_backoff_ms=5_000, queue="delivery")
def deliver_waiting(product_id: int) -> None:
    """New keys in stock: deliver the sales that were waiting for one, each in its own transaction."""
    with unit_of_work() as s:
        waiting = grants.waiting_fulfilment_ids(s, product_id)
    for fulfilment_id in waiting:
        with unit_of_work() as s:
            grants.deliver(s, fulfilment_id)


def redeliver_pending() -> int:
    """Queue every delivery a crash left unfinished (run at start-up); returns how many."""
    with unit_of_work() as s:
        pending = grants.pending_fulfilment_ids(s)
        for fulfilment_id in pending:
            enqueue_after_commit(s, deliver_fulfilment, fulfilment_id=fulfilment_id)
    return len(pending)
