"""Delivery's jobs and its hooks into the order lifecycle and the catalogue.

Importing this module registers the hooks; the web app (through its download and
license routes) and the worker (which imports every `tasks` module) both do.
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlmodel import Session

from commerce.db import unit_of_work
from commerce.delivery import grants, stamped, updates
from commerce.jobs import enqueue_after_commit, job
from commerce.models import Fulfilment, LicenseKey, ProductVersion
from commerce.orders.lifecycle import on_grant, on_revoke


@job(max_retries=8, min_backoff_ms=2_000, max_backoff_ms=600_000, queue="delivery")
def deliver_fulfilment(fulfilment_id: int) -> None:
    """Grant one paid product (issue its key, start its stamped copies), once."""
    with unit_of_work() as s:
        grants.deliver(s, fulfilment_id)


@job(max_retries=5, min_backoff_ms=5_000, queue="delivery")
def make_stamped_copy(copy_id: int) -> None:
    with unit_of_work() as s:
        stamped.make_copy(s, copy_id)


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


@on_grant
def _deliver_after_payment(s: Session, fulfilment: Fulfilment) -> None:
    enqueue_after_commit(s, deliver_fulfilment, fulfilment_id=fulfilment.id)


@on_revoke
def _revoke_with_the_refund(s: Session, fulfilment: Fulfilment) -> None:
    grants.revoke(s, fulfilment)


_RESTOCKED = "delivery.restocked_products"


def _just_released(version: ProductVersion) -> bool:
    """A draft update whose `released_at` this flush set (`release_version`)."""
    history = inspect(version).attrs.released_at.history
    return bool(history.added) and history.added[0] is not None and not any(history.deleted)


@event.listens_for(Session, "after_flush")
def _react_to_new_versions_and_keys(session: Session, _context) -> None:
    # `session.new` and `session.dirty` still list what this flush wrote, with attribute history.
    for row in session.dirty:
        if isinstance(row, ProductVersion) and row.number > 1 and _just_released(row):
            enqueue_after_commit(session, notify_product_update, version_id=row.id)
    for row in session.new:
        if isinstance(row, ProductVersion) and row.number > 1 and row.released_at is not None:
            enqueue_after_commit(session, notify_product_update, version_id=row.id)
        elif isinstance(row, LicenseKey) and row.status == "available":
            restocked = session.info.setdefault(_RESTOCKED, set())
            if row.product_id not in restocked:
                restocked.add(row.product_id)
                enqueue_after_commit(session, deliver_waiting, product_id=row.product_id)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_restocked(session: Session) -> None:
    session.info.pop(_RESTOCKED, None)
