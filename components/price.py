"""Prices. The label is formatted by the domain (currency, minor units, PWYW)."""

from __future__ import annotations

import reflex as rx

from components import theme

TextLike = str | rx.Var


def price_tag(label: str | rx.Var, *, size: str = "3") -> rx.Component:
    return rx.text(
        label,
        size=size,
        weight="bold",
        color=rx.color(theme.RADIX_ACCENT, 12),
        class_name="price",
    )


def amount_input(*, id: TextLike, value: TextLike, size: str = "2", **props) -> rx.Component:
    """An amount of money typed in major units (`amount`), showing `value` again whenever it changes."""
    return rx.input(name="amount", id=id, default_value=value, key=value, input_mode="decimal", size=size, **props)
