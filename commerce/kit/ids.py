"""Ids that arrive from outside (an address, a form, an event any client can send)."""

from __future__ import annotations

from typing import Any

_MAX_DIGITS = 11  # fits the database's 64-bit ids with room to spare, and refuses absurd input


def parse_id(value: Any) -> int | None:
    """An id given as a number or as digits in a string; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value > 0 else None
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS:
        return int(text) or None
    return None
