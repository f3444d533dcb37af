"""What the API's route modules share: running a service in a unit of work, the
Idempotency-Key header every POST documents, and the paging parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Path, Query

from commerce.api.schemas import SAFE_INT
from commerce.db import unit_of_work

T = TypeVar("T")


def run(service: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`service(session, *args, **kwargs)` in one transaction, committed when it returns.

    Route functions are plain `def`s, so FastAPI runs them (and this) in a worker thread."""
    with unit_of_work() as s:
        return service(s, *args, **kwargs)


def _idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description="Retrying with the same key and body answers the first answer again (kept a day).",
        ),
    ] = None,
) -> None:
    """Documents the header; IdempotencyMiddleware acts on it."""


IDEMPOTENT = [Depends(_idempotency_key)]

Id = Annotated[int, Path(ge=1, le=SAFE_INT)]
Cursor = Annotated[
    str | None, Query(max_length=200, description="`next_cursor` of the previous page; omit for the first page.")
]
Limit = Annotated[int, Query(ge=1, le=100, description="Items per page.")]
