"""The bottom of every shop page."""

from __future__ import annotations

import reflex as rx

import routes
from components import theme
from components.i18n import t


def _footer_link(label: str | rx.Var, href: str) -> rx.Component:
    return rx.link(label, href=href, size="2", color=theme.TEXT_MUTED, underline="hover")


def footer(languages: rx.Component | None = None) -> rx.Component:
    """`languages`: the language menu, repeated at the bottom where people look for it."""
    return rx.el.footer(
        rx.flex(
            rx.vstack(
                rx.text(theme.BRAND_NAME, weight="bold"),
                rx.text(
                    t("Digital products from independent creators, delivered instantly."),
                    size="2",
                    color=theme.TEXT_MUTED,
                ),
                spacing="1",
                max_width="24rem",
            ),
            rx.flex(
                _footer_link(t("Browse"), routes.SEARCH),
                _footer_link(t("Your library"), routes.LIBRARY),
                _footer_link(t("Sell on {brand}", brand=theme.BRAND_NAME), routes.ACCOUNT + "#open-shop"),
                _footer_link(t("Account"), routes.ACCOUNT),
                languages if languages is not None else rx.fragment(),
                wrap="wrap",
                spacing="4",
                align="center",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            justify="between",
            gap="1rem",
            max_width=theme.CONTENT_MAX_WIDTH,
            margin_x="auto",
            padding_x=theme.PAGE_PADDING_X,
            padding_y="2rem",
        ),
        id="footer",
        border_top=f"1px solid {theme.BORDER}",
        background_color=theme.SURFACE,
    )
