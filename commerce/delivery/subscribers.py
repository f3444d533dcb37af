"""How delivery reacts to orders and the catalogue (listed in `commerce.wiring.SUBSCRIBERS`)."""

from __future__ import annotations

from sqlmodel import Session

from commerce import events
from commerce.delivery import grants, tasks
from commerce.jobs import enqueue_after_commit
from commerce.models import Fulfilment


def deliver_after_payment(s: Session, event: events.FulfilmentGranted) -> None:
    """Issue the key and start the stamped copies in a job, once the payment commits."""
    enqueue_after_commit(s, tasks.deliver_fulfilment, fulfilment_id=event.fulfilment_id)


def withdraw_access(s: Session, event: events.FulfilmentRevoked) -> None:
    """Revoke the keys and refuse every download link from this transaction's commit on."""
    grants.revoke(s, s.get_one(Fulfilment, event.fulfilment_id))


def tell_owners_of_update(s: Session, event: events.VersionReleased) -> None:
    """Version 2 and up: badge the owners' libraries and email them, after the commit."""
    if event.number > 1:
        enqueue_after_commit(s, tasks.notify_product_update, version_id=event.version_id)


def deliver_sales_waiting_for_keys(s: Session, event: events.KeysRestocked) -> None:
    enqueue_after_commit(s, tasks.deliver_waiting, product_id=event.product_id)
