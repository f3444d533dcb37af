"""Previous / next links for a list that spans pages (`?page=N` on the same address).

Plain links, so every page of a list has its own address a crawler can follow.
"""

from __future__ import annotations

import reflex as rx

from components import theme
from components.i18n import t


def pager(pagination: rx.Var, *, id: str, query: rx.Var | str = "?") -> rx.Component:
    """`pagination` is where the list stands (page, page_count, has_previous, has_next);
    `query` is what goes before `page=N`: "?" or "?q=fonts&" to keep a list's filters."""
    page, page_count = pagination.page, pagination.page_count

    def step(label: str, target: rx.Var, enabled: rx.Var, rel: str, icon: str, icon_first: bool) -> rx.Component:
        content = [rx.icon(icon, size=16), rx.text(label)] if icon_first else [rx.text(label), rx.icon(icon, size=16)]
        return rx.cond(
            enabled,
            rx.el.a(
                rx.hstack(*content, spacing="1", align="center"),
                href=rx.Var.create(query).to(str) + "page=" + target.to_string(),
                rel=rel,
                id=f"{id}-{rel}",
                style={"color": theme.LINK, "padding": "0.5rem 0.25rem", "text_decoration": "none"},
            ),
            rx.box(),
        )

    return rx.cond(
        page_count > 1,
        rx.hstack(
            step(t("Previous"), page - 1, pagination.has_previous, "prev", "chevron-left", True),
            rx.text(t("Page {page} of {pages}", page=page, pages=page_count), size="2", color=theme.TEXT_MUTED),
            step(t("Next"), page + 1, pagination.has_next, "next", "chevron-right", False),
            justify="between",
            align="center",
            width="100%",
            id=id,
            role="navigation",
            aria_label=t("Pages"),
        ),
    )
