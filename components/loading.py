"""What a page shows while its data loads, and when what its address names does not exist."""

from __future__ import annotations

import reflex as rx


def loading() -> rx.Component:
    # As tall as the screen, so the footer below does not jump down when the data arrives.
    return rx.center(rx.spinner(size="3"), padding_y="4rem", width="100%", min_height="100vh", align_items="start")


def once_loaded(
    loaded: rx.Var, content: rx.Component, *, not_found: rx.Var | None = None, missing: rx.Component | None = None
) -> rx.Component:
    """A spinner until `loaded`, then `content`, or `missing` when `not_found`."""
    shown = content if not_found is None else rx.cond(not_found, missing, content)
    return rx.cond(loaded, shown, loading())


def listed(items: rx.Var, shown: rx.Component, *, loaded: rx.Var, empty: rx.Component) -> rx.Component:
    """`shown` while `items` holds any; `empty` once the page has loaded and it holds none."""
    return rx.cond(items.length() > 0, shown, rx.cond(loaded, empty))
