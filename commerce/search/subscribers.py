"""How search reacts to the catalogue and to sales (listed in `commerce.wiring.SUBSCRIBERS`)."""

from __future__ import annotations

from sqlmodel import Session

from commerce import events
from commerce.jobs import enqueue_after_commit
from commerce.search import tasks


def reindex_after_commit(s: Session, event: events.ProductsChanged) -> None:
    """One reindex job after the commit, however many products this transaction changed."""
    enqueue_after_commit(s, tasks.reindex_dirty_products)


def sales_count_changed(s: Session, event: events.FulfilmentGranted | events.FulfilmentRevoked) -> None:
    """A sale or a refund changes the product's popularity (its sales count in the index).

    Flagged by a job after the commit, not in the payment's transaction: every buyer of a
    popular product would otherwise wait for the product row's lock in turn."""
    enqueue_after_commit(s, tasks.products_sold, product_ids=[event.product_id])
