"""Pieces of the admin console: its section links, titled panels and small tables."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from components import theme
from components.i18n import bt

SECTIONS = [
    (routes.ADMIN, bo_N_("Moderation queue"), "shield-check"),
    (routes.ADMIN_USERS, bo_N_("Users"), "users"),
    (routes.ADMIN_ORDERS, bo_N_("Orders"), "receipt"),
    (routes.ADMIN_PAYOUTS, bo_N_("Payouts"), "wallet"),
    (routes.ADMIN_SHOPS, bo_N_("Shop quality"), "store"),
    (routes.ADMIN_SETTINGS, bo_N_("Settings"), "settings"),
    (routes.ADMIN_FLAGS, bo_N_("Feature flags"), "flag"),
    (routes.ADMIN_AUDIT, bo_N_("Audit record"), "scroll-text"),
    (routes.ADMIN_PRIVACY, bo_N_("Privacy requests"), "user-x"),
    (routes.ADMIN_LEAKS, bo_N_("Leak tracer"), "fingerprint"),
]


def admin_nav(current: str) -> rx.Component:
    """The console's sections as links; the current one is marked for screen readers too."""
    return rx.el.nav(
        rx.flex(
            *[
                rx.link(
                    rx.hstack(rx.icon(icon, size=16), rx.text(bt(label)), spacing="1", align="center"),
                    href=href,
                    id=f"admin-nav-{href.rstrip('/').rsplit('/', 1)[-1]}",
                    aria_current="page" if href == current else None,
                    underline="none",
                    weight="bold" if href == current else "regular",
                    padding="0.4rem 0.75rem",
                    border_radius=theme.RADIUS_PILL,
                    background_color=rx.color(theme.RADIX_ACCENT, 4) if href == current else "transparent",
                )
                for href, label, icon in SECTIONS
            ],
            gap="0.25rem",
            wrap="wrap",
        ),
        aria_label=bt("Admin console"),
        width="100%",
    )


def admin_header(title: str | rx.Var, current: str, intro: str | rx.Var = "") -> rx.Component:
    return rx.vstack(
        admin_nav(current),
        rx.heading(title, as_="h1", size="7"),
        *([rx.text(intro, color=theme.TEXT_MUTED)] if isinstance(intro, rx.Var) or intro else []),
        spacing="3",
        width="100%",
    )


def cell_table(headers: list[str], rows: rx.Var, row: callable, *, id: str) -> rx.Component:
    """A scrollable table: `row(item)` returns the rx.table.row of one item. An empty header
    (the column of a row's buttons) is named "Actions" for screen readers only.

    The box scrolls, not Radix's inner scroll area: a table of plain text on a phone must
    still scroll from the keyboard, so the box is a named region that takes the focus."""
    # `headers` are English msgids (marked bo_N_ by the page): shown in the admin's language.
    cells = [
        rx.table.column_header_cell(bt(h) if h else rx.el.span(bt("Actions"), class_name="sr-only")) for h in headers
    ]
    named = [bt(h) for h in headers if h]
    columns = named[0] if named else rx.Var.create("")
    for name in named[1:]:
        columns = columns + ", " + name
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*cells)),
            rx.table.body(rx.foreach(rows, row)),
            variant="surface",
            size="1",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
        id=id,
        tab_index=0,
        role="region",
        aria_label=bt("Table of {columns}", columns=columns),
        style={"& .rt-ScrollAreaViewport": {"overflow": "visible !important"}},
    )
