"""The admin console's front page."""

from __future__ import annotations

import reflex as rx

from components import theme
from components.empty_state import empty_state
from components.forms import form_error, form_notice, labelled_input, section_card, submit_button
from state.admin_access import AdminAccessState
from storefront import routes
from storefront.layout import admin_page


def order_access() -> rx.Component:
    return section_card(
        "Withdraw an order's access",
        rx.form(
            rx.vstack(
                form_error(AdminAccessState.error, id="admin-access-error"),
                form_notice(AdminAccessState.notice, id="admin-access-notice"),
                labelled_input("Order reference", name="order_reference", id="admin-access-order",
                               auto_complete="off", placeholder="ORD-…"),
                labelled_input("Reason", name="reason", id="admin-access-reason", auto_complete="off",
                               hint="Kept in the order's history."),
                rx.box(submit_button("Withdraw access", id="admin-access-submit", loading=AdminAccessState.pending)),
                spacing=theme.GAP, width="100%",
            ),
            on_submit=AdminAccessState.revoke,
            key=AdminAccessState.form_key.to_string(),
            width="100%",
        ),
        description="For fraud or abuse: the buyer loses the downloads and license keys this order granted, "
                    "without a refund. Refunds withdraw access on their own.",
        id="admin-order-access",
    )


@admin_page(
    routes.ADMIN,
    title="Admin console",
    description="Moderate products and manage the marketplace.",
)
def admin_home() -> rx.Component:
    return rx.vstack(
        rx.heading("Admin console", as_="h1", size="7"),
        empty_state(
            "shield-check",
            "Nothing to review",
            "Products waiting for moderation and reports from buyers will be listed here.",
            id="admin-empty",
        ),
        order_access(),
        spacing=theme.GAP_SECTION,
        width="100%",
    )
