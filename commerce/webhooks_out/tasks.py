"""The webhook jobs: turning an event into messages, sending one message, and the sweep
that sends what is due (retries, and attempts a dead worker left behind)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.jobs import enqueue_after_commit, enqueue_now, job
from commerce.kit import outbound
from commerce.kit.time import utcnow
from commerce.models import WebhookEndpoint
from commerce.observability import metrics
from commerce.webhooks_out import delivery, payloads, signing

log = logging.getLogger(__name__)


def _data_by_shop(s, event_type: str, refs: dict[str, Any], wanted: payloads.Wanted) -> dict[int, dict[str, Any]]:
    if event_type in ("order.paid", "order.disputed"):
        return payloads.order_data(s, refs["order_id"], wanted=wanted)
    if event_type == "order.refunded":
        return payloads.refund_data(s, refs["order_id"], list(refs["refund_ids"]), wanted=wanted)
    if event_type in ("license_key.activated", "license_key.deactivated"):
        return payloads.license_key_data(s, refs["license_key_id"], refs["instance"], wanted=wanted)
    if event_type == "product.published":
        return payloads.product_data(s, refs["product_id"], wanted=wanted)
    if event_type == "product.version_released":
        return payloads.version_data(s, refs["version_id"], wanted=wanted)
    if event_type == "review.created":
        return payloads.review_data(s, refs["review_id"], wanted=wanted)
    if event_type in ("payout.paid", "payout.failed"):
        return payloads.payout_data(s, refs["payout_id"], wanted=wanted)
    raise ValueError(f"no payload for event type {event_type!r}")


@job(max_retries=8, min_backoff_ms=5_000, max_backoff_ms=600_000, queue="webhooks")
def record_event(event_type: str, event_id: str, occurred_at: str, refs: dict[str, Any]) -> None:
    """Write the event's message for every endpoint that wants it, then send each after commit.

    Safe to run again: a message already made for an endpoint and event is not made twice.
    The payload is made only for shops with such an endpoint (most shops have none).
    """
    moment = datetime.fromisoformat(occurred_at)
    with unit_of_work() as s:
        endpoints: dict[int, list[WebhookEndpoint]] = {}

        def wanted(shop_id: int) -> bool:
            if shop_id not in endpoints:
                endpoints[shop_id] = delivery.endpoints_wanting(s, shop_id, event_type)
            return bool(endpoints[shop_id])

        for shop_id, data in _data_by_shop(s, event_type, refs, wanted).items():
            for message_id in delivery.create_messages(
                s,
                endpoints=endpoints[shop_id],
                shop_id=shop_id,
                event_type=event_type,
                event_id=event_id,
                occurred_at=moment,
                data=data,
            ):
                enqueue_after_commit(s, deliver_webhook, message_id=message_id)


@job(max_retries=3, min_backoff_ms=5_000, max_backoff_ms=60_000, queue="webhooks")
def deliver_webhook(message_id: str) -> None:
    """One attempt of one message (nothing when it is not due). The retry schedule is the
    message's own (`delivery.RETRY_DELAYS`), kept in the database: the job's retries only
    cover the database being away for a moment."""
    settings = get_settings()
    with unit_of_work() as s:
        claim = delivery.claim_attempt(s, message_id, timeout=settings.webhook_timeout_seconds)
    if claim is None:
        return
    headers = signing.headers(claim.message_id, utcnow(), claim.body, claim.secrets)
    answer = outbound.post(
        claim.url,
        claim.body.encode("utf-8"),
        headers,
        timeout=settings.webhook_timeout_seconds,
        allow_loopback=settings.webhooks_allow_loopback,
    )
    with unit_of_work() as s:
        delivery.record_answer(s, claim, answer)
    metrics.WEBHOOKS_SENT.labels("delivered" if answer.succeeded else "failed").inc()


@job(max_retries=0, min_backoff_ms=1_000, max_backoff_ms=1_000, queue="webhooks")
def send_due_webhooks() -> None:
    """Send every message that is due: retries whose time came, and attempts whose worker
    died (their lease ran out). The web app's timer sends it every 15 s
    (`commerce.wiring.TIMERS`)."""
    with unit_of_work() as s:
        due = delivery.due_message_ids(s)
    for message_id in due:
        enqueue_now(deliver_webhook, message_id=message_id)
