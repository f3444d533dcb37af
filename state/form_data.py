"""Reading fields out of a submitted form's data (any client can send anything), and a
form's errors by field: {field: message}, "form" for the form as a whole."""

from __future__ import annotations

from typing import Any

from commerce.i18n import gettext, translate_marked
from state.service_call import Result


def text_field(form_data: dict[str, Any], key: str) -> str:
    value = form_data.get(key)
    return value.strip() if isinstance(value, str) else ""


def text_fields(form_data: dict[str, Any], *keys: str) -> dict[str, str]:
    """Several text fields by name, ready to pass on as keyword arguments."""
    return {key: text_field(form_data, key) for key in keys}


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


def missing(values: dict[str, str], messages: dict[str, str]) -> dict[str, str]:
    """The required fields left empty, each with its message (`messages`: field -> English
    marked with N_, translated here into the current language)."""
    return {name: translate_marked(message) for name, message in messages.items() if not values.get(name)}


def confirmed(password: str, confirmation: str) -> dict[str, str]:
    """The confirmation field's error when the two passwords typed differ."""
    return {} if password == confirmation else {"confirm": gettext("The two passwords do not match.")}


def form_errors(result: Result, fields: tuple[str, ...]) -> dict[str, str]:
    """A service's refusal as {field: message}: under the field it named when the form has
    it, else under "form" (the whole form's message)."""
    if result.ok:
        return {}
    return {result.field if result.field in fields else "form": result.error}
