"""What a seller does with webhooks in the studio: endpoints, their secrets, deliveries.

Every function takes the acting seller and works on their own shop only: an endpoint
or message of another shop is "not found", never shown.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from commerce.accounts.step_up import require_recent_second_factor
from commerce.actor import Actor
from commerce.catalog.access import actor_shop
from commerce.config import get_settings
from commerce.errors import Conflict, NotFound, ValidationError
from commerce.jobs import enqueue_after_commit
from commerce.kit import outbound
from commerce.kit.pagination import Page, make_page, page_bounds, page_within
from commerce.kit.time import minute_label, utcnow
from commerce.models import (
    EndpointStatus,
    MessageStatus,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
    saved_id,
)
from commerce.webhooks_out import signing
from commerce.webhooks_out.event_types import EVENT_TYPES, parse_event_types
from commerce.webhooks_out.tasks import deliver_webhook

MAX_ENDPOINTS_PER_SHOP = 20
MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 300
DEFAULT_OVERLAP_HOURS = 24
MAX_OVERLAP_HOURS = 7 * 24
MESSAGES_PER_PAGE = 20


@dataclass(frozen=True)
class EventTypeView:
    name: str
    description: str


@dataclass(frozen=True)
class EndpointView:
    id: int
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str
    created_label: str
    # Until when the previous secret still signs ("" when no rotation is in its overlap).
    previous_secret_until_label: str
    failing_since_label: str


@dataclass(frozen=True)
class SecretView:
    endpoint_id: int
    secret: str
    previous_secret_until_label: str


@dataclass(frozen=True)
class AttemptView:
    number: int
    outcome: str
    status_code: int | None
    status_label: str
    response_excerpt: str
    error: str
    latency_ms: int | None
    started_label: str


@dataclass(frozen=True)
class MessageView:
    id: str
    endpoint_id: int
    event_type: str
    status: str
    created_label: str
    next_attempt_label: str
    attempt_count: int
    payload: str  # pretty-printed for reading
    attempts: list[AttemptView]


def event_types() -> list[EventTypeView]:
    return [EventTypeView(name, description) for name, description in EVENT_TYPES.items()]


def _view(endpoint: WebhookEndpoint) -> EndpointView:
    now = utcnow()
    overlap = endpoint.previous_secret_expires_at
    return EndpointView(
        id=saved_id(endpoint),
        url=endpoint.url,
        description=endpoint.description,
        event_types=endpoint.event_types.split(),
        enabled=endpoint.status == EndpointStatus.ENABLED,
        disabled_reason=endpoint.disabled_reason,
        created_label=minute_label(endpoint.created_at),
        previous_secret_until_label=minute_label(overlap)
        if overlap is not None and overlap > now and endpoint.previous_secret_ciphertext is not None
        else "",
        failing_since_label=minute_label(endpoint.failing_since),
    )


def _clean_url(url: object) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ValidationError("Enter the URL that should receive the events.", "url")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(f"The URL is longer than {MAX_URL_LENGTH} characters.", "url")
    try:
        scheme, host, port = outbound.check_url(url)
    except ValueError as exc:
        raise ValidationError(str(exc), "url") from None
    allow_loopback = get_settings().webhooks_allow_loopback
    if scheme != "https" and not allow_loopback:
        raise ValidationError("The URL must start with https://, so events travel encrypted.", "url")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and outbound.refusal(literal, allow_loopback=allow_loopback) is not None:
        raise ValidationError("Webhooks are not sent to private, loopback or link-local addresses.", "url")
    if host.lower() in ("localhost", "localhost.localdomain") and not allow_loopback:
        raise ValidationError("Webhooks are not sent to private, loopback or link-local addresses.", "url")
    return url


def _clean_description(description: object) -> str:
    if not isinstance(description, str):
        raise ValidationError("The description must be text.", "description")
    text = " ".join(description.split())
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError(f"Keep the description under {MAX_DESCRIPTION_LENGTH} characters.", "description")
    return text


def _event_types(chosen: object) -> str:
    try:
        return " ".join(parse_event_types(chosen))
    except ValueError as exc:
        raise ValidationError(str(exc), "event_types") from None


def _own_endpoint(s: Session, actor: Actor, endpoint_id: object, *, for_update: bool = False) -> WebhookEndpoint:
    shop = actor_shop(s, actor)
    endpoint = (
        s.get(WebhookEndpoint, endpoint_id, with_for_update=for_update)
        if isinstance(endpoint_id, int) and not isinstance(endpoint_id, bool)
        else None
    )
    if endpoint is None or endpoint.shop_id != shop.id:
        raise NotFound("This webhook endpoint does not exist.")
    return endpoint


def list_endpoints(s: Session, actor: Actor) -> list[EndpointView]:
    shop = actor_shop(s, actor)
    rows = s.exec(
        select(WebhookEndpoint).where(WebhookEndpoint.shop_id == shop.id).order_by(col(WebhookEndpoint.id))
    ).all()
    return [_view(row) for row in rows]


def create_endpoint(
    s: Session, actor: Actor, *, url: object, event_types: object, description: object = ""
) -> SecretView:
    """Register an endpoint; the answer carries its signing secret (shown to the seller).
    Where sales data goes and who can sign for it ask for a recent second factor (step-up)."""
    shop = actor_shop(s, actor)
    require_recent_second_factor(s, actor)
    cleaned_url = _clean_url(url)
    types = _event_types(event_types)
    text = _clean_description(description)
    count = s.exec(select(func.count()).select_from(WebhookEndpoint).where(WebhookEndpoint.shop_id == shop.id)).one()
    if count >= MAX_ENDPOINTS_PER_SHOP:
        raise Conflict(f"A shop can have at most {MAX_ENDPOINTS_PER_SHOP} webhook endpoints.")
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        shop_id=saved_id(shop),
        url=cleaned_url,
        description=text,
        event_types=types,
        secret_ciphertext=signing.seal(secret, saved_id(shop)),
    )
    s.add(endpoint)
    s.flush()
    return SecretView(saved_id(endpoint), secret, "")


def update_endpoint(
    s: Session, actor: Actor, endpoint_id: int, *, url: object, event_types: object, description: object = ""
) -> EndpointView:
    endpoint = _own_endpoint(s, actor, endpoint_id, for_update=True)
    require_recent_second_factor(s, actor)
    endpoint.url = _clean_url(url)
    endpoint.event_types = _event_types(event_types)
    endpoint.description = _clean_description(description)
    endpoint.updated_at = utcnow()
    s.add(endpoint)
    s.flush()
    return _view(endpoint)


def set_endpoint_enabled(s: Session, actor: Actor, endpoint_id: int, *, enabled: bool) -> EndpointView:
    """Turn an endpoint off (nothing is sent, waiting deliveries fail) or on again."""
    endpoint = _own_endpoint(s, actor, endpoint_id, for_update=True)
    now = utcnow()
    if enabled and endpoint.status != EndpointStatus.ENABLED:
        endpoint.status, endpoint.disabled_reason, endpoint.failing_since = EndpointStatus.ENABLED, "", None
    elif not enabled and endpoint.status != EndpointStatus.DISABLED:
        endpoint.status, endpoint.disabled_reason = EndpointStatus.DISABLED, "Turned off by you."
        for waiting in s.exec(
            select(WebhookMessage).where(
                WebhookMessage.endpoint_id == endpoint.id, WebhookMessage.status == MessageStatus.PENDING
            )
        ):
            waiting.status, waiting.next_attempt_at, waiting.leased_until = MessageStatus.FAILED, None, None
            s.add(waiting)
    endpoint.updated_at = now
    s.add(endpoint)
    s.flush()
    return _view(endpoint)


def delete_endpoint(s: Session, actor: Actor, endpoint_id: int) -> None:
    """Delete an endpoint with its deliveries: nothing more is sent to it, and an attempt
    already on its way records nothing (the seller's history of it goes too)."""
    endpoint = _own_endpoint(s, actor, endpoint_id, for_update=True)
    message_ids = select(WebhookMessage.id).where(WebhookMessage.endpoint_id == endpoint.id)
    s.exec(delete(WebhookAttempt).where(col(WebhookAttempt.message_id).in_(message_ids)))
    s.exec(delete(WebhookMessage).where(col(WebhookMessage.endpoint_id) == endpoint.id))
    s.delete(endpoint)
    s.flush()


def reveal_secret(s: Session, actor: Actor, endpoint_id: int) -> SecretView:
    endpoint = _own_endpoint(s, actor, endpoint_id)
    require_recent_second_factor(s, actor)
    view = _view(endpoint)
    return SecretView(
        view.id, signing.unseal(endpoint.secret_ciphertext, endpoint.shop_id), view.previous_secret_until_label
    )


def rotate_secret(
    s: Session, actor: Actor, endpoint_id: int, *, overlap_hours: int = DEFAULT_OVERLAP_HOURS
) -> SecretView:
    """A new signing secret; the current one keeps signing too for `overlap_hours` (0 to 168),
    so receivers can switch without missing a message."""
    if (
        isinstance(overlap_hours, bool)
        or not isinstance(overlap_hours, int)
        or not 0 <= overlap_hours <= MAX_OVERLAP_HOURS
    ):
        raise ValidationError(f"Choose an overlap from 0 to {MAX_OVERLAP_HOURS} hours.", "overlap_hours")
    endpoint = _own_endpoint(s, actor, endpoint_id, for_update=True)
    require_recent_second_factor(s, actor)
    secret = signing.new_secret()
    now = utcnow()
    if overlap_hours:
        endpoint.previous_secret_ciphertext = endpoint.secret_ciphertext
        endpoint.previous_secret_expires_at = now + timedelta(hours=overlap_hours)
    else:
        endpoint.previous_secret_ciphertext = endpoint.previous_secret_expires_at = None
    endpoint.secret_ciphertext = signing.seal(secret, endpoint.shop_id)
    endpoint.updated_at = now
    s.add(endpoint)
    s.flush()
    return SecretView(saved_id(endpoint), secret, _view(endpoint).previous_secret_until_label)


def _pretty(payload: str) -> str:
    try:
        return json.dumps(json.loads(payload), indent=2, ensure_ascii=False)
    except ValueError:
        return payload


def _status_label(attempt: WebhookAttempt) -> str:
    if attempt.status_code is not None:
        return f"HTTP {attempt.status_code}"
    return {"in_flight": "Sending", "interrupted": "Interrupted"}.get(str(attempt.outcome), "No answer")


def _message_views(s: Session, messages: list[WebhookMessage]) -> list[MessageView]:
    ids = [message.id for message in messages]
    attempts: dict[str, list[AttemptView]] = {message_id: [] for message_id in ids}
    if ids:
        for attempt in s.exec(
            select(WebhookAttempt)
            .where(col(WebhookAttempt.message_id).in_(ids))
            .order_by(col(WebhookAttempt.number).desc())
        ):
            attempts[attempt.message_id].append(
                AttemptView(
                    number=attempt.number,
                    outcome=str(attempt.outcome),
                    status_code=attempt.status_code,
                    status_label=_status_label(attempt),
                    response_excerpt=attempt.response_excerpt,
                    error=attempt.error,
                    latency_ms=attempt.latency_ms,
                    started_label=minute_label(attempt.started_at),
                )
            )
    return [
        MessageView(
            id=message.id,
            endpoint_id=message.endpoint_id,
            event_type=message.event_type,
            status=str(message.status),
            created_label=minute_label(message.created_at),
            next_attempt_label=minute_label(message.next_attempt_at) if message.status == MessageStatus.PENDING else "",
            attempt_count=message.attempts,
            payload=_pretty(message.payload),
            attempts=attempts[message.id],
        )
        for message in messages
    ]


def list_messages(
    s: Session, actor: Actor, endpoint_id: int, *, page: int = 1, per_page: int = MESSAGES_PER_PAGE
) -> Page:
    """The endpoint's deliveries, newest first, each with its attempts (newest first)."""
    endpoint = _own_endpoint(s, actor, endpoint_id)
    page, per_page = page_bounds(page, per_page)
    total = s.exec(
        select(func.count()).select_from(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint.id)
    ).one()
    page = page_within(page, per_page, total)
    rows = s.exec(
        select(WebhookMessage)
        .where(WebhookMessage.endpoint_id == endpoint.id)
        .order_by(col(WebhookMessage.created_at).desc(), col(WebhookMessage.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return make_page(_message_views(s, list(rows)), page, per_page, total)


def resend_message(s: Session, actor: Actor, message_id: str) -> MessageView:
    """Send a delivery again now, with the same webhook id (a receiver that already has it
    can tell). A message that used up its retries gets one more attempt; a pending one is
    sent at once instead of at its next retry."""
    shop = actor_shop(s, actor)
    message = s.get(WebhookMessage, message_id, with_for_update=True) if isinstance(message_id, str) else None
    if message is None or message.shop_id != shop.id:
        raise NotFound("This delivery does not exist.")
    endpoint = s.get_one(WebhookEndpoint, message.endpoint_id)
    if endpoint.status != EndpointStatus.ENABLED:
        raise Conflict("Turn the endpoint on before resending to it.")
    now = utcnow()
    if message.leased_until is not None and message.leased_until > now:
        raise Conflict("This delivery is being sent right now.")
    message.status, message.next_attempt_at, message.leased_until = MessageStatus.PENDING, now, None
    s.add(message)
    s.flush()
    enqueue_after_commit(s, deliver_webhook, message_id=message.id)
    return _message_views(s, [message])[0]
