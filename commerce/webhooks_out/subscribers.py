"""Domain events that sellers can receive as webhooks: each subscriber only schedules
`tasks.record_event` after the commit (nothing read or written in the publishing
transaction, so hot paths such as license activations stay cheap). The event gets its
id here, once, so the job may run again without making a second message."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from commerce import events
from commerce.jobs import enqueue_after_commit
from commerce.kit.time import utcnow
from commerce.webhooks_out.tasks import record_event


def _send(s: Session, event_type: str, **refs: Any) -> None:
    enqueue_after_commit(
        s,
        record_event,
        event_type=event_type,
        event_id="evt_" + uuid.uuid4().hex,
        occurred_at=utcnow().isoformat(),
        refs=refs,
    )


def order_paid(s: Session, event: events.OrderPaid) -> None:
    _send(s, "order.paid", order_id=event.order_id)


def order_refunded(s: Session, event: events.OrderRefunded) -> None:
    _send(s, "order.refunded", order_id=event.order_id, refund_ids=list(event.refund_ids))


def order_disputed(s: Session, event: events.OrderDisputed) -> None:
    _send(s, "order.disputed", order_id=event.order_id)


def license_key_activated(s: Session, event: events.LicenseKeyActivated) -> None:
    _send(s, "license_key.activated", license_key_id=event.license_key_id, instance=event.instance)


def license_key_deactivated(s: Session, event: events.LicenseKeyDeactivated) -> None:
    _send(s, "license_key.deactivated", license_key_id=event.license_key_id, instance=event.instance)


def product_published(s: Session, event: events.ProductPublished) -> None:
    _send(s, "product.published", product_id=event.product_id)


def version_released(s: Session, event: events.VersionReleased) -> None:
    _send(s, "product.version_released", version_id=event.version_id)


def payout_paid(s: Session, event: events.PayoutPaid) -> None:
    _send(s, "payout.paid", payout_id=event.payout_id)


def payout_failed(s: Session, event: events.PayoutFailed) -> None:
    _send(s, "payout.failed", payout_id=event.payout_id)


def review_created(s: Session, event: events.ReviewCreated) -> None:
    _send(s, "review.created", review_id=event.review_id)
