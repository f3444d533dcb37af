"""Webhook endpoints through the API: the studio's webhook services, as the key's shop.

Creating an endpoint or rotating its secret answers the signing secret; reading never
does (the studio shows it to the seller)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from sqlmodel import Session

from commerce.actor import Actor
from commerce.api.schemas import SAFE_INT, _In, _Out
from commerce.errors import NotFound
from commerce.webhooks_out import service
from commerce.webhooks_out.event_types import EVENT_TYPES
from commerce.webhooks_out.service import EndpointView

EventType = Literal[
    "order.paid",
    "order.refunded",
    "order.disputed",
    "license_key.activated",
    "license_key.deactivated",
    "product.published",
    "product.version_released",
    "review.created",
    "payout.paid",
    "payout.failed",
]
assert set(EventType.__args__) == set(EVENT_TYPES), "the API's event types follow webhooks_out's"  # type: ignore[attr-defined]


class WebhookEndpoint(_Out):
    id: int
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str = Field(description="Why it is off: turned off by you, or after days of failures.")


class WebhookEndpointList(_Out):
    data: list[WebhookEndpoint]
    next_cursor: str | None = None


class WebhookEndpointCreate(_In):
    url: str = Field(min_length=1, max_length=2000, examples=["https://example.com/webhooks/marketplace"])
    event_types: list[EventType] = Field(min_length=1, max_length=len(EVENT_TYPES))
    description: str = Field(default="", max_length=300)


class WebhookEndpointUpdate(_In):
    url: str | None = Field(default=None, min_length=1, max_length=2000)
    event_types: list[EventType] | None = Field(default=None, min_length=1, max_length=len(EVENT_TYPES))
    description: str | None = Field(default=None, max_length=300)
    enabled: bool | None = None


class SecretRotation(_In):
    overlap_hours: int = Field(
        default=service.DEFAULT_OVERLAP_HOURS,
        ge=0,
        le=service.MAX_OVERLAP_HOURS,
        description="How long the previous secret keeps signing too.",
    )


class WebhookSecret(_Out):
    endpoint_id: int = Field(ge=1, le=SAFE_INT)
    secret: str = Field(description="`whsec_…`: verify signatures with it (any Standard Webhooks library).")


def document(view: EndpointView) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=view.id,
        url=view.url,
        description=view.description,
        event_types=view.event_types,
        enabled=view.enabled,
        disabled_reason=view.disabled_reason,
    )


def list_endpoints(s: Session, actor: Actor) -> WebhookEndpointList:
    return WebhookEndpointList(data=[document(view) for view in service.list_endpoints(s, actor)])


def create_endpoint(s: Session, actor: Actor, body: WebhookEndpointCreate) -> WebhookSecret:
    made = service.create_endpoint(
        s, actor, url=body.url, event_types=list(body.event_types), description=body.description
    )
    return WebhookSecret(endpoint_id=made.endpoint_id, secret=made.secret)


def update_endpoint(s: Session, actor: Actor, endpoint_id: int, body: WebhookEndpointUpdate) -> WebhookEndpoint:
    current = next((view for view in service.list_endpoints(s, actor) if view.id == endpoint_id), None)
    if current is None:
        raise NotFound("This webhook endpoint does not exist.")
    view = service.update_endpoint(
        s,
        actor,
        endpoint_id,
        url=body.url if body.url is not None else current.url,
        event_types=list(body.event_types) if body.event_types is not None else current.event_types,
        description=body.description if body.description is not None else current.description,
    )
    if body.enabled is not None and body.enabled != view.enabled:
        view = service.set_endpoint_enabled(s, actor, endpoint_id, enabled=body.enabled)
    return document(view)


def delete_endpoint(s: Session, actor: Actor, endpoint_id: int) -> None:
    service.delete_endpoint(s, actor, endpoint_id)


def rotate_secret(s: Session, actor: Actor, endpoint_id: int, body: SecretRotation) -> WebhookSecret:
    rotated = service.rotate_secret(s, actor, endpoint_id, overlap_hours=body.overlap_hours)
    return WebhookSecret(endpoint_id=rotated.endpoint_id, secret=rotated.secret)
