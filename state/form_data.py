"""Reading fields out of a submitted form's data (any client can send anything)."""

from __future__ import annotations

from typing import Any


def text_field(form_data: dict[str, Any], key: str) -> str:
    value = form_data.get(key)
    return value.strip() if isinstance(value, str) else ""


def secret_field(form_data: dict[str, Any], key: str) -> str:
    # Passwords are taken as typed: spaces are characters like any other.
    value = form_data.get(key)
    return value if isinstance(value, str) else ""


def number_field(form_data: dict[str, Any], key: str) -> int | None | str:
    """A whole number typed in a form: None when left empty (no limit), the number, or the
    text as typed when it is not one, for the service to refuse with its own message."""
    text = text_field(form_data, key)
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 10 else text
