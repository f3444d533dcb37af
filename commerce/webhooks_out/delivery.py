"""Messages and attempts: what is sent, when, and what happens after each answer.

Every message row is durable before anything is sent. An attempt first claims the
message in its own transaction (a lease long enough for the request, recorded as the
message's next due time), then sends, then records the answer. A worker that dies
in between leaves the lease to run out: the periodic sweep (`due_message_ids`) finds
the message due again, the next attempt marks the lost one interrupted and sends the
same message, with the same webhook id, again. Nothing is lost and a receiver can
drop a duplicate by its id.

Retries follow RETRY_DELAYS (exponential, ×3 from one minute, at most a day apart,
about three days in all). When the last attempt of a message fails and nothing has
reached the endpoint since that message's first attempt, the endpoint is disabled and its
seller emailed.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from commerce.config import get_settings
from commerce.kit.outbound import Answer
from commerce.kit.time import day_label, utcnow
from commerce.links import SELLER_WEBHOOKS_PATH, absolute
from commerce.models import (
    AttemptOutcome,
    EndpointStatus,
    MessageStatus,
    Shop,
    User,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
    saved_id,
)
from commerce.notifications.tasks import enqueue_email
from commerce.webhooks_out import signing
from commerce.webhooks_out.payloads import iso

# Seconds to wait after the 1st, 2nd, ... failed attempt: ×3 from a minute, capped at a day.
RETRY_DELAYS: tuple[int, ...] = (60, 180, 540, 1_620, 4_860, 14_580, 43_740, 86_400, 86_400)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.1
DISABLED_REASON = "Turned off after every delivery failed for about three days."


def retry_delay(failed_attempts: int) -> timedelta:
    """How long to wait after `failed_attempts` failures (1 for the first), jittered ±10%."""
    base = RETRY_DELAYS[min(failed_attempts, len(RETRY_DELAYS)) - 1]
    return timedelta(seconds=base * random.uniform(1 - JITTER, 1 + JITTER))


def lease_for(timeout: float) -> timedelta:
    """How long an attempt holds its message: a request (connect, redirects, reads) and a margin."""
    return timedelta(seconds=timeout * 2 + 5)


def endpoint_wants(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return event_type in endpoint.event_types.split()


def body_of(event_type: str, occurred_at: datetime, data: dict[str, Any]) -> str:
    """The Standard Webhooks payload: type, timestamp and data, as the exact bytes sent."""
    return json.dumps(
        {"type": event_type, "timestamp": iso(occurred_at), "data": data}, separators=(",", ":"), sort_keys=False
    )


def endpoints_wanting(s: Session, shop_id: int, event_type: str) -> list[WebhookEndpoint]:
    """The shop's enabled endpoints that want `event_type`."""
    endpoints = s.exec(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.shop_id == shop_id, WebhookEndpoint.status == EndpointStatus.ENABLED)
        .order_by(col(WebhookEndpoint.id))
    ).all()
    return [endpoint for endpoint in endpoints if endpoint_wants(endpoint, event_type)]


def create_messages(
    s: Session,
    *,
    endpoints: list[WebhookEndpoint],
    shop_id: int,
    event_type: str,
    event_id: str,
    occurred_at: datetime,
    data: dict[str, Any],
) -> list[str]:
    """One message per endpoint in `endpoints` (the shop's `endpoints_wanting` the event);
    ids of the new ones.

    A message already made for an endpoint and event (the job ran before) is not made again.
    """
    if not endpoints:
        return []
    made = set(
        s.exec(
            select(WebhookMessage.endpoint_id).where(
                WebhookMessage.event_id == event_id,
                col(WebhookMessage.endpoint_id).in_([endpoint.id for endpoint in endpoints]),
            )
        )
    )
    body = body_of(event_type, occurred_at, data)
    now = utcnow()
    created = []
    for endpoint in endpoints:
        if endpoint.id in made:
            continue
        message = WebhookMessage(
            id=signing.new_message_id(),
            endpoint_id=saved_id(endpoint),
            shop_id=shop_id,
            event_id=event_id,
            event_type=event_type,
            payload=body,
            next_attempt_at=now,
            created_at=now,
        )
        s.add(message)
        created.append(message.id)
    s.flush()
    return created


@dataclass(frozen=True)
class Claim:
    """An attempt that may go out now: where, what, signed with which secrets."""

    message_id: str
    attempt_id: int
    number: int
    url: str
    body: str
    secrets: tuple[str, ...]


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> tuple[str, ...]:
    current = signing.unseal(endpoint.secret_ciphertext, endpoint.shop_id)
    if (
        endpoint.previous_secret_ciphertext is not None
        and endpoint.previous_secret_expires_at is not None
        and endpoint.previous_secret_expires_at > now
    ):
        return current, signing.unseal(endpoint.previous_secret_ciphertext, endpoint.shop_id)
    return (current,)


def claim_attempt(s: Session, message_id: str, *, timeout: float) -> Claim | None:
    """Start the next attempt of a due message (None: delivered, failed, not due, or held)."""
    message = s.get(WebhookMessage, message_id, with_for_update=True)
    now = utcnow()
    if message is None or message.status != MessageStatus.PENDING:
        return None
    if message.next_attempt_at is None or message.next_attempt_at > now:
        return None  # not due yet, or an attempt holds it
    endpoint = s.get_one(WebhookEndpoint, message.endpoint_id)
    if endpoint.status != EndpointStatus.ENABLED:
        message.status, message.next_attempt_at, message.leased_until = MessageStatus.FAILED, None, None
        s.add(message)
        return None
    for lost in s.exec(
        select(WebhookAttempt).where(
            WebhookAttempt.message_id == message_id, WebhookAttempt.outcome == AttemptOutcome.IN_FLIGHT
        )
    ):
        lost.outcome, lost.finished_at = AttemptOutcome.INTERRUPTED, now
        lost.error = "The attempt stopped before an answer was recorded (the worker stopped)."
        s.add(lost)
    message.attempts += 1
    message.leased_until = message.next_attempt_at = now + lease_for(timeout)
    attempt = WebhookAttempt(message_id=message_id, number=message.attempts, url=endpoint.url, started_at=now)
    s.add_all([message, attempt])
    s.flush()
    return Claim(
        message_id=message_id,
        attempt_id=saved_id(attempt),
        number=attempt.number,
        url=endpoint.url,
        body=message.payload,
        secrets=signing_secrets(endpoint, now),
    )


def record_answer(s: Session, claim: Claim, answer: Answer) -> None:
    """Write what the attempt got and decide what comes next for the message and its endpoint."""
    now = utcnow()
    message = s.get(WebhookMessage, claim.message_id, with_for_update=True)
    attempt = s.get(WebhookAttempt, claim.attempt_id)
    if message is None or attempt is None:
        return  # the seller deleted the endpoint, and its messages, while this attempt was out
    endpoint = s.get_one(WebhookEndpoint, message.endpoint_id, with_for_update=True)
    attempt.outcome = AttemptOutcome.SUCCEEDED if answer.succeeded else AttemptOutcome.FAILED
    attempt.status_code, attempt.response_excerpt = answer.status_code, answer.excerpt[:1000]
    attempt.error, attempt.latency_ms, attempt.finished_at = answer.error[:500], answer.latency_ms, now
    s.add(attempt)
    if message.status != MessageStatus.PENDING:
        return  # a resend or another attempt settled it meanwhile
    message.leased_until = None
    if answer.succeeded:
        message.status, message.delivered_at, message.next_attempt_at = MessageStatus.DELIVERED, now, None
        endpoint.failing_since = None
    else:
        endpoint.failing_since = endpoint.failing_since or attempt.started_at
        if message.attempts >= MAX_ATTEMPTS:
            message.status, message.next_attempt_at = MessageStatus.FAILED, None
            first = s.exec(
                select(func.min(WebhookAttempt.started_at)).where(WebhookAttempt.message_id == message.id)
            ).one()
            # Nothing reached the endpoint since this message's first attempt failed (days ago).
            if endpoint.status == EndpointStatus.ENABLED and first is not None and endpoint.failing_since <= first:
                disable_failing_endpoint(s, endpoint)
        else:
            message.next_attempt_at = now + retry_delay(message.attempts)
    s.add_all([message, endpoint])


def disable_failing_endpoint(s: Session, endpoint: WebhookEndpoint) -> None:
    """Stop sending to an endpoint that has failed for days, fail what waits for it, tell the seller."""
    now = utcnow()
    endpoint.status, endpoint.disabled_reason, endpoint.updated_at = EndpointStatus.DISABLED, DISABLED_REASON, now
    s.add(endpoint)
    for waiting in s.exec(
        select(WebhookMessage).where(
            WebhookMessage.endpoint_id == endpoint.id, WebhookMessage.status == MessageStatus.PENDING
        )
    ):
        waiting.status, waiting.next_attempt_at, waiting.leased_until = MessageStatus.FAILED, None, None
        s.add(waiting)
    shop = s.get_one(Shop, endpoint.shop_id)
    owner = s.get_one(User, shop.owner_id)
    enqueue_email(
        s,
        to=owner.email,
        kind="webhook_endpoint_disabled",
        idempotency_key=f"webhook-endpoint-disabled:{endpoint.id}:{int(now.timestamp())}",
        seller=owner.display_name,
        endpoint_url=endpoint.url,
        failing_since=day_label(endpoint.failing_since),
        studio_url=absolute(get_settings().base_url, SELLER_WEBHOOKS_PATH),
    )


def due_message_ids(s: Session, *, now: datetime | None = None, limit: int = 500) -> list[str]:
    """Pending messages whose next attempt is due (a retry, or a lost attempt's lease ran out)."""
    moment = now or utcnow()
    return list(
        s.exec(
            select(WebhookMessage.id)
            .where(
                WebhookMessage.status == MessageStatus.PENDING,
                col(WebhookMessage.next_attempt_at) <= moment,
            )
            .order_by(col(WebhookMessage.next_attempt_at))
            .limit(limit)
        )
    )
