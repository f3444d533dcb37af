"""Star ratings: the stars of one review, and the summary bars of a product."""

from __future__ import annotations

import reflex as rx

from components import theme
from components.i18n import t

STAR_GLYPHS = {stars: "★" * stars + "☆" * (5 - stars) for stars in range(0, 6)}


def stars(rating: rx.Var | int, *, size: str = "3", id: str = "") -> rx.Component:
    """Five stars, `rating` of them filled; read out as "4 out of 5 stars"."""
    rating_var = rx.Var.create(rating)
    return rx.text(
        rx.match(rating_var, *STAR_GLYPHS.items(), STAR_GLYPHS[0]),
        aria_label=t("{rating} out of 5 stars", rating=rating_var),
        role="img",
        size=size,
        color="#f59e0b",
        letter_spacing="0.08em",
        id=id or None,
        white_space="nowrap",
    )


def rating_bar(stars_count: rx.Var, count: rx.Var, percent: rx.Var) -> rx.Component:
    """One line of the distribution: "5 ★", a bar as wide as its share, and the count."""
    return rx.hstack(
        rx.text(stars_count.to_string() + " ★", size="2", width="2.5rem", white_space="nowrap"),
        rx.box(
            rx.box(
                width=percent.to_string() + "%",
                height="100%",
                background_color="#f59e0b",
                border_radius=theme.RADIUS_PILL,
            ),
            flex_grow="1",
            height="0.5rem",
            background_color=rx.color(theme.RADIX_GRAY, 4),
            border_radius=theme.RADIUS_PILL,
            overflow="hidden",
        ),
        rx.text(count.to_string(), size="2", color=theme.TEXT_MUTED, width="2.5rem", text_align="end"),
        align="center",
        spacing="2",
        width="100%",
        custom_attrs={"data-testid": "rating-bar"},
    )
