"""The search jobs: reindex dirty products after a catalogue change commits."""

from __future__ import annotations

from sqlalchemy import event
from sqlmodel import Session

from commerce import wiring
from commerce.jobs import enqueue_after_commit, job
from commerce.models.orders import Fulfilment
from commerce.orders.lifecycle import on_grant, on_revoke
from commerce.search.indexer import mark_products_dirty, reindex_dirty

_SCHEDULED = "search.reindex_scheduled"


@job(max_retries=8, min_backoff_ms=2_000, max_backoff_ms=300_000, queue="search")
def reindex_dirty_products() -> None:
    """Index every dirty product (all of them, not only the caller's: one job
    catches up whatever earlier failed attempts left behind)."""
    reindex_dirty(wiring.search_index())


def schedule_reindex(s: Session) -> None:
    """Run reindex_dirty_products once after `s` commits, however many products changed."""
    if s.info.get(_SCHEDULED):
        return
    s.info[_SCHEDULED] = True
    enqueue_after_commit(s, reindex_dirty_products)


@on_grant
@on_revoke
def _sales_changed(s: Session, fulfilment: Fulfilment) -> None:
    """A sale or a refund changes the product's popularity (its sales count)."""
    mark_products_dirty(s, [fulfilment.product_id])


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _new_transaction_schedules_again(session: Session) -> None:
    session.info.pop(_SCHEDULED, None)
