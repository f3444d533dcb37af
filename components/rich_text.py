"""Sanitised HTML made by the domain from a seller's Markdown, with readable styles.

Radix resets heading and list styles; these bring back a document's rhythm inside
the box only. The HTML itself is already safe (commerce/catalog/text.py).
"""

from __future__ import annotations

import reflex as rx

from components import theme

RICH_TEXT_STYLE = {
    "line_height": "1.6",
    "overflow_wrap": "anywhere",
    "& h1, & h2, & h3, & h4": {"font_weight": "700", "line_height": "1.25", "margin": "1.2em 0 0.5em"},
    "& h1": {"font_size": "1.5rem"},
    "& h2": {"font_size": "1.3rem"},
    "& h3": {"font_size": "1.1rem"},
    "& > :first-child": {"margin_top": "0"},
    "& p": {"margin": "0 0 0.8em"},
    "& ul, & ol": {"padding_inline_start": "1.4em", "margin": "0 0 0.8em"},
    "& ul": {"list_style": "disc"},
    "& ol": {"list_style": "decimal"},
    "& a": {"color": theme.LINK, "text_decoration": "underline"},
    "& code": {
        "font_family": "ui-monospace, monospace",
        "font_size": "0.9em",
        "background": rx.color(theme.RADIX_GRAY, 3),
        "padding": "0.1em 0.3em",
        "border_radius": "4px",
    },
    "& pre": {
        "overflow_x": "auto",
        "padding": "0.75rem",
        "background": rx.color(theme.RADIX_GRAY, 3),
        "border_radius": theme.RADIUS_CONTROL,
    },
    "& blockquote": {
        "border_inline_start": f"3px solid {theme.BORDER}",
        "padding_inline_start": "0.75rem",
        "color": theme.TEXT_MUTED,
    },
    "& table": {"border_collapse": "collapse", "display": "block", "overflow_x": "auto"},
    "& th, & td": {"border": f"1px solid {theme.BORDER}", "padding": "0.3rem 0.6rem"},
}


def rich_text(html: rx.Var, *, id: str, **props) -> rx.Component:
    return rx.box(rx.html(html), id=id, width="100%", style=RICH_TEXT_STYLE, **props)


def written_text(text: rx.Var, *, size: str = "2", test_id: str = "") -> rx.Component:
    """Plain text someone typed (a review, a report): its line breaks kept, long words wrapped;
    shown only when there is any."""
    return rx.cond(
        text != "",
        rx.text(
            text,
            size=size,
            white_space="pre-wrap",
            style={"overflow_wrap": "anywhere"},
            custom_attrs={"data-testid": test_id} if test_id else {},
        ),
    )
