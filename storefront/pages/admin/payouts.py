"""Payouts for admins: the schedule and minimum, a run now, every shop's balance and its
payouts with their failures, and the balances CSV."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from commerce.payouts.schedule import WEEKDAYS
from commerce.payouts.views import PayoutView
from components import theme
from components.admin import admin_header
from components.buttons import download_button
from components.empty_state import empty_state
from components.forms import field, form_error, form_notice, labelled_input, section_card
from components.i18n import bt
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
            rx.text(bt("Available"), " ", rx.el.strong(row.available_label), size="2"),
            rx.text(bt("Pending {amount}", amount=row.pending_label), size="2", color=theme.TEXT_MUTED),
            rx.text(bt("Paid out {amount}", amount=row.paid_out_label), size="2", color=theme.TEXT_MUTED),
            rx.text(bt("Sales {amount}", amount=row.sales_label), size="2", color=theme.TEXT_MUTED),
            rx.text(bt("Refunds {amount}", amount=row.refunds_label), size="2", color=theme.TEXT_MUTED),
            rx.text(bt("Held for disputes {amount}", amount=row.disputed_label), size="2", color=theme.TEXT_MUTED),
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
        rx.text(bt("Orders:"), " ", rx.foreach(payout.orders, lambda ref: rx.el.span(ref, " ")), size="1"),
        spacing="1",
        width="100%",
        **ROW_STYLE,
        custom_attrs={"data-testid": "admin-payout"},
    )


def schedule_form() -> rx.Component:
    return section_card(
        bt("Schedule"),
        rx.text(AdminPayoutsState.schedule_label, size="2", id="payout-schedule-label"),
        rx.form(
            rx.flex(
                field(
                    bt("How often"),
                    dropdown(
                        [("daily", bt("Daily")), ("weekly", bt("Weekly"))],
                        name="interval",
                        id="payout-interval",
                        default_value=AdminPayoutsState.schedule_interval,
                    ),
                    html_for="payout-interval",
                ),
                field(
                    bt("Weekly on"),
                    dropdown(
                        [(str(i), bt(day)) for i, day in enumerate(WEEKDAYS)],
                        name="weekday",
                        id="payout-weekday",
                        default_value=AdminPayoutsState.schedule_weekday,
                    ),
                    html_for="payout-weekday",
                ),
                labelled_input(
                    bt("Minimum payout (whole units)"),
                    name="minimum",
                    id="payout-minimum",
                    input_mode="numeric",
                    default_value=AdminPayoutsState.schedule_minimum,
                ),
                rx.button(bt("Save schedule"), type="submit", size="3", id="payout-schedule-save"),
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
                bt("Pay out now"),
                on_click=AdminPayoutsState.run_now,
                loading=AdminPayoutsState.running,
                variant="soft",
                size="3",
                id="payout-run-now",
            ),
            rx.text(
                bt(
                    "Shops that can be paid: {shops} · Failed payouts: {failed}",
                    shops=AdminPayoutsState.connected_accounts,
                    failed=AdminPayoutsState.failed,
                ),
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
    title=bo_N_("Payouts"),
    description=bo_N_("The payout schedule, what each shop has earned and the payouts sent to sellers."),
    on_load=AdminPayoutsState.load,
)
def admin_payouts() -> rx.Component:
    return rx.vstack(
        admin_header(
            bt("Payouts"),
            routes.ADMIN_PAYOUTS,
            bt("Seller earnings after VAT, commission and card fees are paid out by transfers on this schedule."),
        ),
        form_error(AdminPayoutsState.error, id="admin-payouts-error"),
        form_notice(AdminPayoutsState.notice, id="admin-payouts-notice"),
        schedule_form(),
        section_card(
            bt("Payouts"),
            rx.hstack(
                rx.link(bt("All"), href=routes.ADMIN_PAYOUTS, size="2", id="payouts-all"),
                rx.link(bt("Failed only"), href=routes.ADMIN_PAYOUTS + "?show=failed", size="2", id="payouts-failed"),
                spacing="3",
            ),
            row_list(
                AdminPayoutsState.payouts,
                payout_row,
                id="admin-payout-list",
                loaded=AdminPayoutsState.loaded,
                empty=empty_state(
                    "send", bt("No payouts"), bt("Payouts appear here once sent."), id="admin-payouts-none"
                ),
            ),
        ),
        section_card(
            bt("Balances"),
            row_list(
                AdminPayoutsState.rows,
                balance_row,
                id="admin-payouts",
                loaded=AdminPayoutsState.loaded,
                empty=empty_state(
                    "wallet",
                    bt("No earnings yet"),
                    bt("Shops appear here after their first sale."),
                    id="admin-payouts-empty",
                ),
            ),
            download_button(
                bt("Download payouts (CSV)"), on_click=AdminPayoutsState.download_csv, id="admin-payouts-csv"
            ),
        ),
        spacing=theme.GAP,
        width="100%",
    )
