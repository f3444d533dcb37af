"""Run a commerce service off the event loop, in its own unit of work.

Services are blocking (SQL, argon2), and a plain Reflex handler runs on the
backend's event loop, so every call goes through a worker thread. A DomainError
comes back as its message (and form field, when it names one) for the page to
show; anything else is a bug and propagates to Reflex's error handler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from commerce.db import unit_of_work
from commerce.errors import DomainError

T = TypeVar("T")


@dataclass(frozen=True)
class Result(Generic[T]):
    value: T | None = None
    error: str = ""
    # The form field the error is about, when the service named one.
    field: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def map(self, fn: Callable[[T], Any]) -> Result:
        """The same outcome with `fn` applied to the value (when there is one)."""
        return Result(value=fn(self.value)) if self.ok else self


def _in_unit_of_work(fn: Callable[..., T], args: tuple, kwargs: dict) -> T:
    with unit_of_work() as session:
        return fn(session, *args, **kwargs)


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Result[T]:
    """`fn(session, *args, **kwargs)` in a thread, committed if it returns."""
    try:
        value = await asyncio.to_thread(_in_unit_of_work, fn, args, kwargs)
    except DomainError as error:
        return Result(error=error.message, field=getattr(error, "field", None) or "")
    return Result(value=value)
