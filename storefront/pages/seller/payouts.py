"""The seller's payouts: the connected payout account and what it still needs, balances,
the upcoming payout and past payouts with their orders, and the statement CSV (streamed by
an HTTP route, checked against the browser's session). Every figure comes from the ledger."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from commerce.ledger import SellerBalance
from commerce.ledger.service import DEFAULT_HOLD
from commerce.payouts.views import PayoutView, UpcomingPayout
from components import theme
from components.empty_state import empty_state
from components.forms import form_error, form_notice, section_card
from components.i18n import bt
from components.loading import listed
from components.seller_nav import seller_nav
from components.step_up import step_up_prompt
from state.payouts import SellerPayoutsState
from storefront.layout import seller_page


def figure(label: rx.Var, value: rx.Var, testid: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", color=theme.TEXT_MUTED),
        rx.text(value, size="5", weight="bold", custom_attrs={"data-testid": testid}),
        spacing="1",
    )


def balance_card(balance: SellerBalance) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(balance.currency, weight="bold", size="2", color=theme.TEXT_MUTED),
            rx.grid(
                figure(bt("Available"), balance.available_label, "available"),
                figure(bt("Pending"), balance.pending_label, "pending"),
                figure(bt("Paid out"), balance.paid_out_label, "paid-out"),
                columns=rx.breakpoints(initial="2", sm="3"),
                spacing="4",
                width="100%",
            ),
            rx.cond(
                balance.disputed > 0,
                rx.text(
                    bt("Held while buyers' banks decide disputes: {amount}", amount=balance.disputed_label),
                    size="2",
                    color=theme.TEXT_MUTED,
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-testid": "balance"},
    )


def account_card() -> rx.Component:
    account = SellerPayoutsState.account
    return section_card(
        bt("Payout account"),
        rx.hstack(
            rx.badge(
                rx.cond(account.connected, account.status_label, bt("Not connected")),
                color_scheme=rx.match(
                    account.status, ("enabled", "green"), ("restricted", "amber"), ("details_needed", "amber"), "gray"
                ),
                size="2",
                id="payout-account-status",
            ),
            rx.cond(account.bank_label != "", rx.text(account.bank_label, size="2", id="payout-bank")),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.cond(
            account.missing.length() > 0,
            rx.vstack(
                rx.text(bt("Still needed before you can be paid:"), size="2", weight="bold"),
                rx.el.ul(
                    rx.foreach(account.missing, lambda item: rx.el.li(item)),
                    style={"padding_left": "1.25rem", "margin": "0"},
                    id="payout-missing",
                ),
                spacing="1",
            ),
        ),
        step_up_prompt(SellerPayoutsState.step_up_needed, SellerPayoutsState.confirm_step_up),
        rx.button(
            rx.cond(
                account.connected,
                rx.cond(account.status == "enabled", bt("Change payout details"), bt("Continue setting up payouts")),
                bt("Connect a payout account"),
            ),
            on_click=SellerPayoutsState.connect,
            loading=SellerPayoutsState.connecting,
            size="3",
            id="payout-connect",
            style=theme.CTA_BUTTON_STYLE,
        ),
        description=bt(
            "Buyers pay the marketplace; your earnings are transferred to this account once their hold ends."
        ),
        id="payout-account",
    )


def upcoming_row(row: UpcomingPayout) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(row.amount_label, weight="bold", size="4"),
            rx.text(
                rx.cond(row.will_pay, bt("goes out {day}", day=row.day_label), bt("not paid yet")),
                size="2",
                color=theme.TEXT_MUTED,
            ),
            align="baseline",
            spacing="2",
            wrap="wrap",
        ),
        rx.cond(row.note != "", rx.text(row.note, size="2", color=theme.TEXT_MUTED)),
        rx.cond(
            row.orders.length() > 0,
            rx.text(bt("Orders:"), " ", rx.foreach(row.orders, lambda ref: rx.el.span(ref, " ")), size="1"),
        ),
        spacing="1",
        width="100%",
        custom_attrs={"data-testid": "upcoming-payout"},
    )


def payout_row(payout: PayoutView) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(payout.amount_label, weight="bold"),
            rx.badge(
                payout.status_label,
                color_scheme=rx.match(
                    payout.status, ("paid", "green"), ("failed", "red"), ("in_transit", "blue"), "gray"
                ),
            ),
            rx.text(payout.created_label, size="2", color=theme.TEXT_MUTED),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        rx.cond(payout.failure_message != "", rx.text(payout.failure_message, size="2", color=theme.DANGER_TEXT)),
        rx.cond(
            payout.reversed_label != "",
            rx.text(bt("Taken back after refunds or disputes: {amount}", amount=payout.reversed_label), size="2"),
        ),
        rx.text(bt("Orders:"), " ", rx.foreach(payout.orders, lambda ref: rx.el.span(ref, " ")), size="1"),
        spacing="1",
        width="100%",
        padding_y="0.5rem",
        border_bottom=f"1px solid {theme.BORDER}",
        custom_attrs={"data-testid": "payout"},
    )


@seller_page(
    routes.SELLER_PAYOUTS,
    title=bo_N_("Balance and payouts"),
    description=bo_N_("What your shop has earned, your payout account and your payouts."),
    on_load=SellerPayoutsState.load,
)
def seller_payouts() -> rx.Component:
    return rx.vstack(
        rx.heading(bt("Balance and payouts"), as_="h1", size="7"),
        seller_nav(routes.SELLER_PAYOUTS),
        form_error(SellerPayoutsState.error, id="payouts-error"),
        form_notice(SellerPayoutsState.notice, id="payouts-notice"),
        account_card(),
        rx.text(
            bt(
                "Earnings are what buyers paid less VAT, the marketplace commission and the card fee. "
                "They stay pending for {days} days after each sale (refunds come out of them), "
                "then become available and are paid out on the schedule: {schedule}.",
                days=DEFAULT_HOLD.days,
                schedule=SellerPayoutsState.schedule_label,
            ),
            size="2",
            color=theme.TEXT_MUTED,
        ),
        listed(
            SellerPayoutsState.balances,
            rx.grid(
                rx.foreach(SellerPayoutsState.balances, balance_card),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
                id="balances",
            ),
            loaded=SellerPayoutsState.loaded,
            empty=empty_state(
                "wallet",
                bt("No earnings yet"),
                bt("Your balance appears after your first sale."),
                id="balances-empty",
            ),
        ),
        rx.cond(
            SellerPayoutsState.upcoming.length() > 0,
            section_card(
                bt("Next payout"),
                rx.foreach(SellerPayoutsState.upcoming, upcoming_row),
                id="upcoming-payouts",
            ),
        ),
        section_card(
            bt("Past payouts"),
            rx.cond(
                SellerPayoutsState.payouts.length() > 0,
                rx.box(rx.foreach(SellerPayoutsState.payouts, payout_row), width="100%"),
                rx.text(bt("No payouts yet."), size="2", color=theme.TEXT_MUTED, id="payouts-empty"),
            ),
            id="past-payouts",
        ),
        rx.link(
            rx.button(rx.icon("download", size=16), bt("Download statement (CSV)"), variant="soft", size="3"),
            href=routes.EXPORT_STATEMENT_CSV,
            id="payouts-csv",
            is_external=True,
        ),
        spacing=theme.GAP,
        width="100%",
    )
