"""The notifications page: everything the app told you, newest first, with mark as read."""

from __future__ import annotations

import reflex as rx

import routes
from components import theme
from components.empty_state import empty_state
from components.i18n import t
from components.loading import listed
from components.pager import pager
from state.notifications import NotificationsState
from storefront.layout import column, library_page


def notification_row(note) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.box(
                width="8px",
                height="8px",
                border_radius=theme.RADIUS_PILL,
                flex_shrink="0",
                margin_top="0.45rem",
                background_color=rx.cond(note.unread, theme.CTA, "transparent"),
                aria_hidden="true",
            ),
            rx.vstack(
                rx.cond(
                    note.url != "",
                    rx.link(note.title, href=note.url, weight=rx.cond(note.unread, "bold", "regular")),
                    rx.text(note.title, weight=rx.cond(note.unread, "bold", "regular")),
                ),
                rx.cond(note.body != "", rx.text(note.body, size="2", color=theme.TEXT_MUTED)),
                rx.text(note.created_label, size="1", color=theme.TEXT_MUTED),
                spacing="1",
                flex_grow="1",
                min_width="0",
            ),
            rx.cond(
                note.unread,
                rx.button(
                    t("Mark as read"),
                    size="1",
                    variant="soft",
                    on_click=NotificationsState.mark_read(note.id),
                    class_name="mark-read",
                ),
                rx.text(t("Read"), size="1", color=theme.TEXT_MUTED),
            ),
            align="start",
            spacing="3",
            width="100%",
        ),
        class_name=rx.cond(note.unread, "notification unread", "notification"),
        width="100%",
    )


@library_page(
    routes.NOTIFICATIONS,
    title=t("Notifications"),
    description=t("Sales, updates and messages from the marketplace."),
    on_load=NotificationsState.load_page,
)
def notifications() -> rx.Component:
    return column(
        rx.flex(
            rx.heading(t("Notifications"), as_="h1", size="7"),
            rx.cond(
                NotificationsState.unread > 0,
                rx.button(
                    t("Mark all as read"), on_click=NotificationsState.mark_all_read, variant="soft", id="mark-all-read"
                ),
            ),
            justify="between",
            align="center",
            width="100%",
            wrap="wrap",
            gap="0.75rem",
        ),
        listed(
            NotificationsState.items,
            rx.vstack(
                rx.foreach(NotificationsState.items, notification_row),
                spacing="2",
                width="100%",
                id="notifications-list",
            ),
            loaded=NotificationsState.loaded,
            empty=empty_state(
                "bell",
                t("Nothing yet"),
                t("Sales in your shop and updates to products you bought will show up here."),
                id="notifications-empty",
            ),
        ),
        pager(
            NotificationsState.pagination,
            id="notifications-pager",
        ),
        rx.link(
            t("Choose what you are told about"),
            href=routes.ACCOUNT + "#notification-preferences",
            size="2",
            id="notification-preferences-link",
        ),
        max_width="44rem",
        spacing=theme.GAP,
    )
