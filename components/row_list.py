"""A bordered list of rows: the shape of every management list (orders, codes, bundles, payouts)."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from components import theme
from components.loading import listed

# Spread into each row's component: the padding and the line between rows.
ROW_STYLE = {"padding": "0.75rem", "border_bottom": f"1px solid {theme.BORDER}"}


def row_list(
    items: rx.Var,
    render_row: Callable[[rx.Var], rx.Component],
    *,
    id: str,
    loaded: rx.Var | None = None,
    empty: rx.Component | None = None,
) -> rx.Component:
    """The rows; with `loaded` and `empty`, the empty state instead once a page has loaded none."""
    rows = rx.box(
        rx.foreach(items, render_row),
        id=id,
        width="100%",
        border=f"1px solid {theme.BORDER}",
        border_radius=theme.RADIUS_CARD,
        overflow="hidden",
    )
    return rows if loaded is None else listed(items, rows, loaded=loaded, empty=empty)
