"""Payouts report for admins: every shop's earnings per currency, and the CSV to pay them."""

from __future__ import annotations

import reflex as rx

import routes
from components import theme
from components.admin import admin_header
from components.buttons import download_button
from components.empty_state import empty_state
from components.forms import form_error
from components.row_list import ROW_STYLE, row_list
from state.seller_sales import AdminPayoutsState, PayoutLine
from storefront.layout import admin_page


def payout_row(row: PayoutLine) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(row.shop_name, weight="bold"), rx.badge(row.currency, variant="soft"), align="center", spacing="2"
        ),
        rx.flex(
            rx.text("Available ", rx.el.strong(row.available_label), size="2"),
            rx.text("Pending ", row.pending_label, size="2", color=theme.TEXT_MUTED),
            rx.text("Sales ", row.sales_label, size="2", color=theme.TEXT_MUTED),
            rx.text("Refunds ", row.refunds_label, size="2", color=theme.TEXT_MUTED),
            rx.text("Held for disputes ", row.disputed_label, size="2", color=theme.TEXT_MUTED),
            gap="0.25rem 1rem",
            wrap="wrap",
        ),
        spacing="1",
        width="100%",
        **ROW_STYLE,
        custom_attrs={"data-testid": "payout-row"},
    )


@admin_page(
    routes.ADMIN_PAYOUTS,
    title="Payouts",
    description="What each shop has earned and can be paid.",
    on_load=AdminPayoutsState.load,
)
def admin_payouts() -> rx.Component:
    return rx.vstack(
        admin_header(
            "Payouts",
            routes.ADMIN_PAYOUTS,
            "Seller earnings after VAT, commission and card fees; pending during the hold period.",
        ),
        form_error(AdminPayoutsState.error, id="admin-payouts-error"),
        row_list(
            AdminPayoutsState.rows,
            payout_row,
            id="admin-payouts",
            loaded=AdminPayoutsState.loaded,
            empty=empty_state(
                "wallet", "No earnings yet", "Shops appear here after their first sale.", id="admin-payouts-empty"
            ),
        ),
        download_button("Download payouts (CSV)", on_click=AdminPayoutsState.download_csv, id="admin-payouts-csv"),
        spacing=theme.GAP,
        width="100%",
    )
