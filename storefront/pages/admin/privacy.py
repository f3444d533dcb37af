"""Admin: the log of data exports and account erasures, newest first."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from components import theme
from components.admin import admin_header, cell_table
from components.i18n import bt
from components.pager import pager
from state.privacy import AdminPrivacyState
from storefront.layout import admin_page


def request_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.requested_label, white_space="nowrap"),
        rx.table.cell(rx.match(row.kind, ("export", "Data export"), ("erasure", "Account erasure"), row.kind)),
        rx.table.cell("#", row.user_id, rx.el.br(), rx.text(row.user_label, size="1", color=theme.TEXT_MUTED)),
        rx.table.cell(row.status),
        rx.table.cell(row.completed_label, white_space="nowrap"),
        custom_attrs={"data-testid": "privacy-request"},
    )


@admin_page(
    routes.ADMIN_PRIVACY,
    title=bo_N_("Privacy requests"),
    description=bo_N_("Data exports and account erasures: who asked, when, what came of it."),
    on_load=AdminPrivacyState.load,
)
def admin_privacy() -> rx.Component:
    return rx.vstack(
        admin_header(
            bt("Privacy requests"),
            routes.ADMIN_PRIVACY,
            bt("Every data export and account erasure, newest first. An erased account shows its pseudonym."),
        ),
        rx.cond(AdminPrivacyState.error != "", rx.callout(AdminPrivacyState.error, color_scheme="red")),
        cell_table(
            [bo_N_("Asked"), bo_N_("Request"), bo_N_("Account"), bo_N_("Status"), bo_N_("Done")],
            AdminPrivacyState.rows,
            request_row,
            id="privacy-table",
        ),
        rx.cond(
            AdminPrivacyState.loaded & (AdminPrivacyState.rows.length() == 0),
            rx.text(bt("No requests yet."), color=theme.TEXT_MUTED, id="privacy-empty"),
        ),
        pager(AdminPrivacyState.pagination, id="privacy-pager", query="?"),
        spacing=theme.GAP,
        width="100%",
    )
