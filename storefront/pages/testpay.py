"""TestPay's hosted payment page: the embedded gateway's stand-in for Stripe Checkout."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.payments.testpay_connect import PAYOUT_FAILS, PAYS_OUT
from components import theme
from components.forms import form_card, form_error, labelled_input, stacked_form, submit_button
from components.i18n import t
from components.loading import once_loaded
from state.testpay import TestPayConnectState, TestPayState
from storefront.layout import shop_page

TEST_CARDS = [
    ("4242 4242 4242 4242", "pays"),
    ("4000 0000 0000 0002", "is declined"),
    ("4000 0000 0000 9995", "is declined: insufficient funds"),
]


def payment_form() -> rx.Component:
    return stacked_form(
        rx.hstack(
            rx.text(
                t("Order {reference}", reference=TestPayState.order_reference),
                color=theme.TEXT_MUTED,
                size="2",
                id="testpay-order",
            ),
            rx.spacer(),
            rx.text(TestPayState.amount_label, weight="bold", size="5", id="testpay-amount"),
            width="100%",
            align="center",
        ),
        form_error(TestPayState.card_error, id="testpay-error"),
        labelled_input(
            t("Card number"),
            name="card_number",
            id="testpay-card",
            auto_complete="cc-number",
            placeholder="4242 4242 4242 4242",
        ),
        submit_button(
            t("Pay {amount}", amount=TestPayState.amount_label), id="testpay-pay", loading=TestPayState.pending
        ),
        rx.cond(
            TestPayState.card_error != "",
            rx.link(t("View your order"), href=TestPayState.order_path, size="2", id="testpay-order-link"),
        ),
        rx.link(t("Back to your cart"), href=TestPayState.cancel_path, size="2", id="testpay-cancel"),
        rx.box(
            rx.text(t("Test cards"), weight="bold", size="2"),
            *[
                rx.text(number, " ", outcome, size="1", color=theme.TEXT_MUTED, font_family="monospace")
                for number, outcome in TEST_CARDS
            ],
            padding="0.75rem",
            border=f"1px dashed {theme.BORDER}",
            border_radius=theme.RADIUS_CONTROL,
            width="100%",
        ),
        on_submit=TestPayState.pay,
        reset_on_submit=False,
        id="testpay-form",
    )


@shop_page(
    routes.TESTPAY,
    title=t("TestPay checkout"),
    description=t("The test payment gateway's checkout page."),
    on_load=TestPayState.load,
)
def testpay_page() -> rx.Component:
    return form_card(
        t("TestPay checkout"),
        rx.callout(t("Test mode: no real money moves. Use a test card below."), icon="info", size="1", width="100%"),
        once_loaded(
            TestPayState.loaded,
            payment_form(),
            not_found=TestPayState.page_error != "",
            missing=form_error(TestPayState.page_error, id="testpay-unavailable"),
            fill_screen=False,
        ),
    )


TEST_BANKS = [
    (PAYS_OUT, "pays out"),
    (PAYOUT_FAILS, "payouts fail: the bank account does not exist"),
]


def onboarding_form() -> rx.Component:
    return stacked_form(
        form_error(TestPayConnectState.error, id="testpay-connect-error"),
        labelled_input(
            t("Legal name"),
            name="legal_name",
            id="testpay-connect-name",
            auto_complete="name",
            hint=t("As on your ID document."),
        ),
        labelled_input(
            t("Bank account number"),
            name="bank_number",
            id="testpay-connect-bank",
            input_mode="numeric",
            placeholder=PAYS_OUT,
        ),
        rx.hstack(
            rx.el.input(
                type="checkbox",
                name="accept_terms",
                id="testpay-connect-terms",
                style={"width": "1.1rem", "height": "1.1rem"},
            ),
            rx.el.label(t("I accept TestPay's payout terms"), html_for="testpay-connect-terms"),
            align="center",
            spacing="2",
        ),
        submit_button(t("Finish setting up payouts"), id="testpay-connect-submit", loading=TestPayConnectState.pending),
        rx.link(t("Back to your payouts"), href=TestPayConnectState.return_path, size="2", id="testpay-connect-back"),
        rx.box(
            rx.text(t("Test bank accounts"), weight="bold", size="2"),
            *[
                rx.text(number, " ", outcome, size="1", color=theme.TEXT_MUTED, font_family="monospace")
                for number, outcome in TEST_BANKS
            ],
            padding="0.75rem",
            border=f"1px dashed {theme.BORDER}",
            border_radius=theme.RADIUS_CONTROL,
            width="100%",
        ),
        on_submit=TestPayConnectState.submit,
        reset_on_submit=False,
        id="testpay-connect-form",
    )


@shop_page(
    routes.TESTPAY_CONNECT,
    title=t("TestPay payouts"),
    description=t("The test payout provider's onboarding page."),
    on_load=TestPayConnectState.load,
)
def testpay_connect_page() -> rx.Component:
    return form_card(
        t("Set up payouts with TestPay"),
        rx.callout(
            t("Test mode: no real money moves. Use a test bank account below."), icon="info", size="1", width="100%"
        ),
        once_loaded(
            TestPayConnectState.loaded,
            onboarding_form(),
            not_found=TestPayConnectState.page_error != "",
            missing=form_error(TestPayConnectState.page_error, id="testpay-connect-unavailable"),
            fill_screen=False,
        ),
    )
