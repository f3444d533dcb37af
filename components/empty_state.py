"""What a page shows when there is nothing to list yet, and what to do about it."""

from __future__ import annotations

import reflex as rx

import routes
from components import theme
from components.buttons import link_button
from components.i18n import t


def empty_state(
    icon: str, title: str, body: str, *, action: rx.Component | None = None, id: str = "", heading: str = "h2"
) -> rx.Component:
    return rx.vstack(
        rx.center(
            rx.icon(icon, size=28, color=rx.color(theme.RADIX_ACCENT, 11)),
            width="56px",
            height="56px",
            border_radius=theme.RADIUS_PILL,
            background_color=rx.color(theme.RADIX_ACCENT, 3),
        ),
        rx.heading(title, as_=heading, size="5", text_align="center"),
        rx.text(body, color=theme.TEXT_MUTED, text_align="center", max_width="32rem"),
        *([action] if action is not None else []),
        id=id or None,
        align="center",
        spacing="3",
        padding_y="3rem",
        padding_x="1rem",
        width="100%",
        border=f"1px dashed {theme.BORDER}",
        border_radius=theme.RADIUS_CARD,
    )


def missing_state(
    icon: str, title: str, body: str, *, id: str, back: tuple[str | rx.Var, str, str] | None = None
) -> rx.Component:
    """What a page shows when what its address names does not exist, with the way back:
    `back` is (label, address, id) of the link, by default back to the shop."""
    label, href, link_id = back or (t("Back to the shop"), routes.HOME, f"{id}-home")
    # It is all the page shows, so its title is the page's heading.
    return empty_state(icon, title, body, action=link_button(label, href, id=link_id), id=id, heading="h1")
