"""The seller's balance per currency (pending during the hold period, then available)
and their earnings statement as CSV."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.ledger import SellerBalance
from commerce.ledger.service import DEFAULT_HOLD
from components import theme
from components.buttons import download_button
from components.empty_state import empty_state
from components.forms import form_error
from components.loading import listed
from components.seller_nav import seller_nav
from state.seller_sales import SellerPayoutsState
from storefront.layout import seller_page


def balance_card(balance: SellerBalance) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(balance.currency, weight="bold", size="2", color=theme.TEXT_MUTED),
            rx.grid(
                rx.vstack(
                    rx.text("Available", size="2", color=theme.TEXT_MUTED),
                    rx.text(balance.available_label, size="6", weight="bold"),
                    spacing="1",
                ),
                rx.vstack(
                    rx.text("Pending", size="2", color=theme.TEXT_MUTED),
                    rx.text(balance.pending_label, size="6", weight="bold"),
                    spacing="1",
                ),
                columns="2",
                spacing="4",
                width="100%",
            ),
            rx.cond(
                balance.disputed > 0,
                rx.text(
                    "Held while buyers' banks decide disputes: ",
                    balance.disputed_label,
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


@seller_page(
    routes.SELLER_PAYOUTS,
    title="Balance and payouts",
    description="What your shop has earned and what is ready to be paid out.",
    on_load=SellerPayoutsState.load,
)
def seller_payouts() -> rx.Component:
    return rx.vstack(
        rx.heading("Balance and payouts", as_="h1", size="7"),
        seller_nav(routes.SELLER_PAYOUTS),
        form_error(SellerPayoutsState.error, id="payouts-error"),
        rx.text(
            f"Earnings are what buyers paid less VAT, the marketplace commission and the card fee. "
            f"They stay pending for {DEFAULT_HOLD.days} days after each sale (refunds come out of them), "
            "then become available for payout.",
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
                "wallet", "No earnings yet", "Your balance appears after your first sale.", id="balances-empty"
            ),
        ),
        download_button("Download statement (CSV)", on_click=SellerPayoutsState.download_statement, id="payouts-csv"),
        spacing=theme.GAP,
        width="100%",
    )
