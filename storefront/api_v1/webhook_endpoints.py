"""/webhook-endpoints: list, create, update and delete the shop's webhook endpoints; rotate a secret."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from commerce.actor import Actor
from commerce.api import webhook_endpoints as endpoints
from commerce.api.scopes import Access, Resource
from storefront.api_v1.auth import acting
from storefront.api_v1.common import IDEMPOTENT, Id, run
from storefront.api_v1.problems import COMMON, responses

router = APIRouter(prefix="/webhook-endpoints", tags=["Webhooks"], responses=responses(*COMMON))
Reader = Annotated[Actor, Depends(acting(Resource.WEBHOOKS, Access.READ))]
Writer = Annotated[Actor, Depends(acting(Resource.WEBHOOKS, Access.WRITE))]


@router.get("", summary="List webhook endpoints", description="Scope: `webhooks:read`.")
def list_endpoints(actor: Reader) -> endpoints.WebhookEndpointList:
    return run(endpoints.list_endpoints, actor)


@router.post(
    "",
    status_code=201,
    dependencies=IDEMPOTENT,
    responses=responses(413),
    summary="Create a webhook endpoint",
    description="An https URL and the event types it receives; the answer holds its signing secret. "
    "Scope: `webhooks:write`.",
)
def create_endpoint(actor: Writer, body: endpoints.WebhookEndpointCreate) -> endpoints.WebhookSecret:
    return run(endpoints.create_endpoint, actor, body)


@router.patch(
    "/{endpoint_id}",
    summary="Update a webhook endpoint",
    description="Its URL, event types, description, or whether it is on. Scope: `webhooks:write`.",
)
def update_endpoint(actor: Writer, endpoint_id: Id, body: endpoints.WebhookEndpointUpdate) -> endpoints.WebhookEndpoint:
    return run(endpoints.update_endpoint, actor, endpoint_id, body)


@router.delete(
    "/{endpoint_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a webhook endpoint",
    description="Nothing more is sent to it; its delivery history is deleted too. Scope: `webhooks:write`.",
)
def delete_endpoint(actor: Writer, endpoint_id: Id) -> Response:
    run(endpoints.delete_endpoint, actor, endpoint_id)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret",
    dependencies=IDEMPOTENT,
    responses=responses(413),
    summary="Rotate a webhook endpoint's signing secret",
    description="A new secret now; the previous one also signs for `overlap_hours` (24 by default). "
    "Scope: `webhooks:write`.",
)
def rotate_secret(actor: Writer, endpoint_id: Id, body: endpoints.SecretRotation) -> endpoints.WebhookSecret:
    return run(endpoints.rotate_secret, actor, endpoint_id, body)
