"""Errors as RFC 9457 problem details (`application/problem+json`), one shape for every answer
that is not a success: a title, the HTTP status, a sentence for a person, and for validation
problems the list of fields with what is wrong with each."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from commerce.api.keys import InvalidApiKey, MissingScope
from commerce.api.limits import RateLimitState
from commerce.api.schemas import FieldError, Problem
from commerce.errors import Conflict, DomainError, NotFound, PermissionDenied, RateLimited, ValidationError

log = logging.getLogger(__name__)
PROBLEM_TYPE = "application/problem+json"
TYPE_BASE = "/api/v1/docs#"  # the reference page; the part after # names the kind (docs/api.md explains each)


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_TYPE


class RateLimitExceeded(Exception):
    def __init__(self, state: RateLimitState):
        self.state = state


def problem(
    status: int,
    detail: str,
    *,
    kind: str = "",
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> ProblemResponse:
    body = Problem(
        type=TYPE_BASE + kind if kind else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance,
        errors=errors or [],
    )
    return ProblemResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _field(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location)


def domain_problem(error: DomainError, path: str | None = None) -> ProblemResponse:
    if isinstance(error, InvalidApiKey):
        return problem(401, error.message, kind="keys", headers={"www-authenticate": 'Bearer realm="api"'})
    if isinstance(error, MissingScope):
        return problem(403, error.message, kind="scopes")
    if isinstance(error, ValidationError):
        field = error.field or ""
        errors = [FieldError(field=field, message=error.message)] if field else []
        return problem(422, error.message, kind="errors", errors=errors, instance=path)
    if isinstance(error, NotFound):
        return problem(404, error.message, instance=path)
    if isinstance(error, PermissionDenied):
        return problem(403, error.message, instance=path)
    if isinstance(error, Conflict):
        return problem(409, error.message, instance=path)
    if isinstance(error, RateLimited):
        return problem(429, error.message, kind="rate-limits", headers={"retry-after": "60"})
    return problem(400, error.message, instance=path)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, error: DomainError) -> ProblemResponse:
        return domain_problem(error, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_request(request: Request, error: RequestValidationError) -> ProblemResponse:
        errors = [
            FieldError(field=_field(tuple(item.get("loc", ()))), message=str(item.get("msg", "Invalid value.")))
            for item in error.errors()
        ]
        return problem(422, "The request is not valid; see errors.", kind="errors", errors=errors)

    @app.exception_handler(HTTPException)
    async def on_http_error(request: Request, error: HTTPException) -> ProblemResponse:
        detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
        return problem(error.status_code, detail, headers=dict(error.headers or {}))

    @app.exception_handler(RateLimitExceeded)
    async def on_rate_limited(request: Request, error: RateLimitExceeded) -> ProblemResponse:
        return problem(
            429,
            f"This key sent more than {error.state.limit} requests in a minute; try again in "
            f"{error.state.reset_seconds} seconds.",
            kind="rate-limits",
            headers={"retry-after": str(error.state.reset_seconds)},
        )

    @app.exception_handler(Exception)
    async def on_bug(request: Request, error: Exception) -> ProblemResponse:
        log.exception("API request failed: %s %s", request.method, request.url.path)
        return problem(500, "Something went wrong on our side; it has been logged.")


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problems an operation can answer."""
    return {status: {"description": HTTPStatus(status).phrase, "content": _problem_content()} for status in statuses}


# What every authenticated operation can answer besides its success.
COMMON = (400, 401, 403, 404, 409, 422, 429)
