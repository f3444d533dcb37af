"""Links that look like buttons (an <a> styled by Radix, not a button in a link)."""

from __future__ import annotations

import reflex as rx
from reflex.components.react_router import ReactRouterLink

from components import theme

TextLike = str | rx.Var


def link_button(
    label: str, href: str, *, id: str = "", primary: bool = True, size: str = "3", icon: str = ""
) -> rx.Component:
    content = rx.link(
        *([rx.icon(icon, size=16)] if icon else []),
        label,
        href=href,
        id=id or None,
        underline="none",
    )
    if primary:
        return rx.button(content, as_child=True, size=size, style=theme.CTA_BUTTON_STYLE)
    return rx.button(content, as_child=True, size=size, variant="soft")


def download_button(label: str, *, on_click, id: str) -> rx.Component:
    """A button that downloads a file the page's state makes (a CSV)."""
    return rx.button(rx.icon("download", size=16), label, on_click=on_click, variant="soft", size="3", id=id)


def back_link(label: str, href: TextLike) -> rx.Component:
    """A small link back up to where this page was opened from."""
    return rx.link(
        rx.hstack(rx.icon("chevron-left", size=16), rx.text(label), spacing="1", align="center"), href=href, size="2"
    )


def block_link(*children: rx.Component, href: TextLike, **props) -> rx.Component:
    """A whole card or row that opens `href` when clicked, keeping its own text colours."""
    return rx.link(*children, href=href, underline="none", color="inherit", display="block", **props)


# Radix's link classes without the underline, on React Router's link itself.
_CARD_LINK_CLASSES = "rt-Text rt-reset rt-Link rt-underline-none"


def card_link(*children: rx.Component, href: TextLike, class_name: str, **props) -> rx.Component:
    """A card drawn many times over (a grid of products, a page of results) as one link: React
    Router's link (no page reload) with Radix's link classes, not `rx.link`, which adds Radix's
    component, its slot and an Emotion style for its hover colour (four React components a card).
    `class_name` names the card's own rules (their colour, box and hover)."""
    return ReactRouterLink.create(*children, to=href, class_name=f"{_CARD_LINK_CLASSES} {class_name}", **props)
