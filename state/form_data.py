"""Reading fields out of a submitted form's data (any client can send anything), and
showing a service's refusal next to the field it is about."""

from __future__ import annotations

from typing import Any

from state.service_call import Result


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


def show_error(state: Any, result: Result, fields: dict[str, str], otherwise: str) -> None:
    """Show `result`'s error in the state var of the form field the service named
    (`fields`: the service's field name -> that var), or else in `otherwise`."""
    setattr(state, fields.get(result.field, otherwise), result.error)
