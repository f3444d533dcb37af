"""Prices. The label is formatted by the domain (currency, minor units, PWYW)."""

from __future__ import annotations

import reflex as rx

from components import theme


def price_tag(label: str | rx.Var, *, size: str = "3") -> rx.Component:
    return rx.text(
        label,
        size=size,
        weight="bold",
        color=rx.color(theme.RADIX_ACCENT, 12),
        class_name="price",
    )
