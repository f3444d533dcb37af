"""Admin: look an order up, read its history and ledger lines, refund it."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from components import theme
from components.admin import admin_header, cell_table
from components.forms import action_row, form_error, form_notice, reason_field, search_form, stacked_form
from components.i18n import bt
from state.admin import AdminOrdersState
from state.admin_access import AdminAccessState
from storefront.layout import admin_page

D = AdminOrdersState.detail


def _search() -> rx.Component:
    return search_form(
        on_submit=AdminOrdersState.search,
        id="order-search",
        value=AdminOrdersState.query,
        placeholder=bt("Order reference (ORD-…) or buyer email"),
        label=bt("Find orders"),
        button=bt("Find"),
    )


def withdraw_access_form(reference) -> rx.Component:
    """Fraud or abuse: take back the downloads and keys without refunding."""
    return stacked_form(
        rx.text(bt("Withdraw the buyer's downloads and license keys without a refund (fraud, abuse)."), size="2"),
        rx.el.input(type="hidden", name="order_reference", value=reference),
        action_row(
            reason_field(
                id="withdraw-reason",
                placeholder=bt("Why (kept in the history)"),
                label=bt("Reason for withdrawing access"),
            ),
            rx.button(
                bt("Withdraw access"),
                type="submit",
                color_scheme="red",
                variant="soft",
                id="withdraw-submit",
                loading=AdminAccessState.pending,
            ),
            rx.button(
                bt("Reset downloads"),
                type="button",
                variant="soft",
                id="reset-order-downloads",
                on_click=AdminAccessState.reset_downloads(reference),
            ),
        ),
        form_error(AdminAccessState.error, id="withdraw-error"),
        form_notice(AdminAccessState.notice, id="withdraw-notice"),
        spacing="2",
        on_submit=AdminAccessState.revoke,
        key=AdminAccessState.form_key.to_string(),
    )


def detail_panel() -> rx.Component:
    order = D.order
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(order.reference, as_="h2", size="5", id="order-reference"),
                rx.badge(order.status_label, variant="soft", id="order-status"),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(
                rx.cond(
                    order.refunded_amount > 0,
                    bt(
                        "{name} · {email} · total {total} (part refunded)",
                        name=D.buyer_name,
                        email=D.buyer_email,
                        total=order.total_label,
                    ),
                    bt(
                        "{name} · {email} · total {total}",
                        name=D.buyer_name,
                        email=D.buyer_email,
                        total=order.total_label,
                    ),
                ),
                color=theme.TEXT_MUTED,
            ),
            rx.cond(
                order.flagged_reason, rx.callout(order.flagged_reason, icon="triangle_alert", color_scheme="amber")
            ),
            form_notice(AdminOrdersState.notice, id="order-notice"),
            cell_table(
                [bo_N_("Item"), bo_N_("Total"), bo_N_("Refunded")],
                D.lines,
                lambda line: rx.table.row(
                    rx.table.cell(line.title),
                    rx.table.cell(line.total_label),
                    rx.table.cell(line.refunded_label),
                ),
                id="order-lines",
            ),
            rx.cond(
                D.refundable,
                stacked_form(
                    rx.text(
                        bt("Refund what is left ({amount}) through the payment provider.", amount=D.refundable_label),
                        size="2",
                    ),
                    action_row(
                        reason_field(
                            id="refund-reason",
                            placeholder=bt("Why (shown on the order)"),
                            label=bt("Reason for the refund"),
                        ),
                        rx.button(
                            bt("Refund order"),
                            type="submit",
                            color_scheme="red",
                            id="refund-submit",
                            loading=AdminOrdersState.refunding,
                        ),
                    ),
                    form_error(AdminOrdersState.refund_error, id="refund-error"),
                    spacing="2",
                    on_submit=AdminOrdersState.refund,
                    key=AdminOrdersState.form_key.to_string(),
                ),
            ),
            withdraw_access_form(order.reference),
            rx.heading(bt("History"), as_="h3", size="3"),
            cell_table(
                [bo_N_("When"), bo_N_("Change"), bo_N_("Why")],
                D.history,
                lambda h: rx.table.row(
                    rx.table.cell(h.when_label),
                    rx.table.cell(h.change),
                    rx.table.cell(h.reason),
                ),
                id="order-history",
            ),
            rx.heading(bt("Ledger lines"), as_="h3", size="3"),
            rx.text(
                bt("Debits are positive, credits negative; each transaction sums to zero."),
                size="1",
                color=theme.TEXT_MUTED,
            ),
            cell_table(
                [bo_N_("When"), bo_N_("Entry"), bo_N_("Account"), bo_N_("Shop"), bo_N_("Amount")],
                D.ledger,
                lambda line: rx.table.row(
                    rx.table.cell(line.date_label),
                    rx.table.cell(line.memo),
                    rx.table.cell(line.account_label),
                    rx.table.cell(line.shop_name),
                    rx.table.cell(line.amount_label, text_align="right"),
                ),
                id="order-ledger",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="order-detail",
    )


@admin_page(
    routes.ADMIN_ORDERS,
    title=bo_N_("Orders"),
    description=bo_N_("Look up and refund orders."),
    on_load=AdminOrdersState.load,
)
def admin_orders() -> rx.Component:
    return rx.vstack(
        admin_header(bt("Orders"), routes.ADMIN_ORDERS),
        _search(),
        form_error(AdminOrdersState.error, id="orders-error"),
        rx.cond(
            AdminOrdersState.results.length() > 1,
            cell_table(
                [bo_N_("Order"), bo_N_("Buyer"), bo_N_("Status"), bo_N_("Total"), bo_N_("Date")],
                AdminOrdersState.results,
                lambda o: rx.table.row(
                    rx.table.cell(
                        rx.button(o.reference, variant="ghost", on_click=AdminOrdersState.open_order(o.reference))
                    ),
                    rx.table.cell(o.buyer_email),
                    rx.table.cell(o.status_label),
                    rx.table.cell(o.total_label),
                    rx.table.cell(o.date_label),
                ),
                id="order-results",
            ),
        ),
        rx.cond(
            AdminOrdersState.searched & (AdminOrdersState.results.length() == 0),
            rx.text(bt("No order matches."), color=theme.TEXT_MUTED, id="orders-none"),
        ),
        rx.cond(D, detail_panel()),
        spacing=theme.GAP,
        width="100%",
    )
