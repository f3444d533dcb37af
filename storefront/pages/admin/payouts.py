"""Payouts for admins: the schedule and minimum, a run now, every shop's balance and its
payouts with their failures, and the balances CSV."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.payouts.schedule import WEEKDAYS
from commerce.payouts.views import PayoutView
from components import theme
from components.admin import admin_header
from components.buttons import download_button
from components.empty_state import empty_state
from components.forms import field, form_error, form_notice, labelled_input, section_card
from components.row_list import ROW_STYLE, row_list
from components.studio import dropdown
from state.payouts import AdminPayoutsState, PayoutLine
from storefront.layout import admin_page


def balance_row(row: PayoutLine) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(row.shop_name, weight="bold"), rx.badge(row.currency, variant="soft"), align="center", spacing="2"
        ),
        rx.flex(
            rx.text("Available ", rx.el.strong(row.available_label), size="2"),
            rx.text("Pending ", row.pending_label, size="2", color=theme.TEXT_MUTED),
            rx.text("Paid out ", row.paid_out_label, size="2", color=theme.TEXT_MUTED),
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


def payout_row(payout: PayoutView) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(payout.shop_name, weight="bold"),
            rx.text(payout.amount_label),
            rx.badge(
                payout.status_label,
                color_scheme=rx.match(
                    payout.status, ("paid", "green"), ("failed", "red"), ("in_transit", "blue"), "gray"
                ),
            ),
            rx.text("#", payout.id, " · ", payout.created_label, size="2", color=theme.TEXT_MUTED),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        rx.cond(payout.failure_message != "", rx.text(payout.failure_message, size="2", color=theme.DANGER_TEXT)),
        rx.text("Orders: ", rx.foreach(payout.orders, lambda ref: rx.el.span(ref, " ")), size="1"),
        spacing="1",
        width="100%",
        **ROW_STYLE,
        custom_attrs={"data-testid": "admin-payout"},
    )


def schedule_form() -> rx.Component:
    return section_card(
        "Schedule",
        rx.text(AdminPayoutsState.schedule_label, size="2", id="payout-schedule-label"),
        rx.form(
            rx.flex(
                field(
                    "How often",
                    dropdown(
                        [("daily", "Daily"), ("weekly", "Weekly")],
                        name="interval",
                        id="payout-interval",
                        default_value=AdminPayoutsState.schedule_interval,
                    ),
                    html_for="payout-interval",
                ),
                field(
                    "Weekly on",
                    dropdown(
                        [(str(i), day) for i, day in enumerate(WEEKDAYS)],
                        name="weekday",
                        id="payout-weekday",
                        default_value=AdminPayoutsState.schedule_weekday,
                    ),
                    html_for="payout-weekday",
                ),
                labelled_input(
                    "Minimum payout (whole units)",
                    name="minimum",
                    id="payout-minimum",
                    input_mode="numeric",
                    default_value=AdminPayoutsState.schedule_minimum,
                ),
                rx.button("Save schedule", type="submit", size="3", id="payout-schedule-save"),
                gap="0.75rem",
                wrap="wrap",
                align="end",
                width="100%",
            ),
            on_submit=AdminPayoutsState.save_schedule,
            reset_on_submit=False,
            width="100%",
            # Re-mounted with the stored values once they are read (the selects are uncontrolled).
            key=AdminPayoutsState.schedule_label,
        ),
        rx.hstack(
            rx.button(
                "Pay out now",
                on_click=AdminPayoutsState.run_now,
                loading=AdminPayoutsState.running,
                variant="soft",
                size="3",
                id="payout-run-now",
            ),
            rx.text(
                AdminPayoutsState.connected_accounts,
                " shops can be paid · ",
                AdminPayoutsState.failed,
                " failed payouts",
                size="2",
                color=theme.TEXT_MUTED,
            ),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        id="payout-schedule",
    )


@admin_page(
    routes.ADMIN_PAYOUTS,
    title="Payouts",
    description="The payout schedule, what each shop has earned and the payouts sent to sellers.",
    on_load=AdminPayoutsState.load,
)
def admin_payouts() -> rx.Component:
    return rx.vstack(
        admin_header(
            "Payouts",
            routes.ADMIN_PAYOUTS,
            "Seller earnings after VAT, commission and card fees are paid out by transfers on this schedule.",
        ),
        form_error(AdminPayoutsState.error, id="admin-payouts-error"),
        form_notice(AdminPayoutsState.notice, id="admin-payouts-notice"),
        schedule_form(),
        section_card(
            "Payouts",
            rx.hstack(
                rx.link("All", href=routes.ADMIN_PAYOUTS, size="2", id="payouts-all"),
                rx.link("Failed only", href=routes.ADMIN_PAYOUTS + "?show=failed", size="2", id="payouts-failed"),
                spacing="3",
            ),
            row_list(
                AdminPayoutsState.payouts,
                payout_row,
                id="admin-payout-list",
                loaded=AdminPayoutsState.loaded,
                empty=empty_state("send", "No payouts", "Payouts appear here once sent.", id="admin-payouts-none"),
            ),
        ),
        section_card(
            "Balances",
            row_list(
                AdminPayoutsState.rows,
                balance_row,
                id="admin-payouts",
                loaded=AdminPayoutsState.loaded,
                empty=empty_state(
                    "wallet", "No earnings yet", "Shops appear here after their first sale.", id="admin-payouts-empty"
                ),
            ),
            download_button("Download payouts (CSV)", on_click=AdminPayoutsState.download_csv, id="admin-payouts-csv"),
        ),
        spacing=theme.GAP,
        width="100%",
    )
