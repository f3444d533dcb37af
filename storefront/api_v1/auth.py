"""Who calls: the API key in `Authorization: Bearer`, checked on every request (revoked and
expired keys are refused with 401), counted against the key's rate limit, and held to the
scope the operation needs (403 without it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from commerce.actor import Actor
from commerce.api import keys, limits
from commerce.api.scopes import Access, Resource
from commerce.db import unit_of_work
from storefront.api_v1.problems import RateLimitExceeded

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="An API key from the studio's Developers page: `Authorization: Bearer mp_…`.",
)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> keys.ApiCaller:
    with unit_of_work() as s:
        caller = keys.authenticate(s, credentials.credentials if credentials else None)
    state = limits.take(caller.key_id)
    request.state.rate_limit = state
    if not state.allowed:
        raise RateLimitExceeded(state)
    return caller


def acting(resource: Resource, access: Access) -> Callable[..., Actor]:
    """A dependency: the key's shop as the actor, if the key has `resource:access`."""

    def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Actor:
        return _authenticate(request, credentials).require(resource, access)

    dependency.__name__ = f"needs_{resource}_{access}"
    return dependency
