"""Admin: the audit record of every decision, newest first (it cannot be edited)."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.audit import ACTION_LABELS
from commerce.i18n import bo_N_
from components import theme
from components.admin import admin_header, cell_table
from components.forms import get_form
from components.i18n import bt
from components.pager import pager
from components.studio import dropdown
from state.admin import AdminAuditState
from storefront.layout import admin_page


def entry_row(entry) -> rx.Component:
    return rx.table.row(
        rx.table.cell(entry.when_label, white_space="nowrap"),
        rx.table.cell(entry.actor_name, rx.el.br(), rx.text(entry.actor_email, size="1", color=theme.TEXT_MUTED)),
        rx.table.cell(entry.action_label),
        rx.table.cell(
            entry.subject,
            " ",
            entry.subject_id,
            rx.el.br(),
            rx.text(entry.subject_label, size="1", color=theme.TEXT_MUTED),
        ),
        rx.table.cell(entry.reason),
        custom_attrs={"data-testid": "audit-entry"},
    )


@admin_page(
    routes.ADMIN_AUDIT,
    title=bo_N_("Audit record"),
    description=bo_N_("Every admin decision: who, when, what, why."),
    on_load=AdminAuditState.load,
)
def admin_audit() -> rx.Component:
    return rx.vstack(
        admin_header(
            bt("Audit record"),
            routes.ADMIN_AUDIT,
            bt("Every decision made in this console, newest first. Records cannot be changed."),
        ),
        get_form(
            rx.hstack(
                rx.box(
                    dropdown(
                        [("", bt("All decisions")), *[(action, bt(label)) for action, label in ACTION_LABELS.items()]],
                        name="action",
                        id="audit-action",
                        default_value=AdminAuditState.action,
                        label=bt("Kind of decision"),
                    ),
                    min_width="14rem",
                    key=AdminAuditState.action,
                ),
                rx.button(bt("Filter"), type="submit", variant="soft", id="audit-filter"),
                spacing="2",
            ),
            action=routes.ADMIN_AUDIT,
        ),
        cell_table(
            [bo_N_("When"), bo_N_("Who"), bo_N_("What"), bo_N_("Subject"), bo_N_("Why")],
            AdminAuditState.entries,
            entry_row,
            id="audit-table",
        ),
        rx.cond(
            AdminAuditState.loaded & (AdminAuditState.entries.length() == 0),
            rx.text(bt("No decisions recorded yet."), color=theme.TEXT_MUTED, id="audit-empty"),
        ),
        pager(
            AdminAuditState.pagination,
            id="audit-pager",
            query="?action=" + AdminAuditState.action + "&",
        ),
        spacing=theme.GAP,
        width="100%",
    )
