"""Choices that arrive from outside (a form's select, an address, an event any client can send)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

E = TypeVar("E", bound=StrEnum)


def parse_choice(enum: type[E], value: Any) -> E | None:
    """The member of `enum` whose value is `value`; None for anything else (any type)."""
    try:
        return enum(value)
    except ValueError:
        return None
