"""Opaque cursors for lists that grow while they are read (keyset pagination).

A list is ordered newest first by id; a page ends with `next_cursor`, the last id it
showed, wrapped so clients treat it as opaque. The next page is everything older than it,
so items added meanwhile never shift a page and none is shown twice.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Generic, TypeVar

from commerce.errors import ValidationError

T = TypeVar("T")
DEFAULT_LIMIT = 25
MAX_LIMIT = 100


@dataclass(frozen=True)
class CursorPage(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"before": last_id}).encode()).decode().rstrip("=")


def decode(cursor: str | None) -> int | None:
    """The id a page starts before, or None for the first page; ValidationError for a forged cursor."""
    if cursor is None or cursor == "":
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)["before"]
    except (ValueError, TypeError, KeyError):
        raise ValidationError("This cursor is not one the API gave out.", "cursor") from None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError("This cursor is not one the API gave out.", "cursor")
    return value


def limit_of(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"A page holds 1 to {MAX_LIMIT} items.", "limit")
    return limit


def page_of(rows: list, limit: int, id_of) -> tuple[list, str | None]:
    """`rows` fetched with limit + 1: the page and the cursor of the next one (None at the end)."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode(id_of(rows[-1]))
    return rows, None
