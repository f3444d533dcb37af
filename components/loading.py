"""What a page shows while its data loads, and when what its address names does not exist."""

from __future__ import annotations

import reflex as rx


def loading() -> rx.Component:
    return rx.center(rx.spinner(size="3"), padding_y="4rem", width="100%", align_items="start")


def once_loaded(
    loaded: rx.Var,
    content: rx.Component,
    *,
    not_found: rx.Var | None = None,
    missing: rx.Component | None = None,
    fill_screen: bool = True,
) -> rx.Component:
    """A spinner until `loaded`, then `content`, or `missing` when `not_found`.

    As a page's body (`fill_screen`), both are as tall as the screen at least: the footer below
    stays out of the first screen, so it neither jumps down when long content arrives nor up
    into view when short content does (an empty library: a layout shift of 0.27 on a phone,
    bench/lighthouse). Inside a card, the card keeps its own height."""
    shown = content if not_found is None else rx.cond(not_found, missing, content)
    return rx.box(rx.cond(loaded, shown, loading()), width="100%", min_height="100vh" if fill_screen else None)


def listed(items: rx.Var, shown: rx.Component, *, loaded: rx.Var, empty: rx.Component) -> rx.Component:
    """`shown` while `items` holds any; `empty` once the page has loaded and it holds none."""
    return rx.cond(items.length() > 0, shown, rx.cond(loaded, empty))
