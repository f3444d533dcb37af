"""The embedded test gateway's payment page (never in production).

The page is the gateway's, not the shop's: it knows only the signed session id in
its address. Paying sends the gateway's signed webhook (a job) to the app's
own `/api/webhooks/testpay`, the endpoint Stripe's events use, so the order is marked
paid by the same pipeline; the browser's return to the shop proves nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from commerce.errors import DomainError
from commerce.i18n import gettext
from commerce.money import Money, format_money
from commerce.payments.tasks import (
    complete_test_onboarding,
    describe_test_onboarding,
    describe_test_payment,
    pay_on_test_page,
)
from state.cart import local_path
from state.form_data import text_field
from state.language import speaking


class TestPayState(rx.State):
    __test__ = False  # not a pytest test class, despite the name

    loaded: bool = False
    page_error: str = ""
    order_reference: str = ""
    amount_label: str = ""
    card_error: str = ""
    pending: bool = False
    paid: bool = False
    order_path: str = ""
    cancel_path: str = ""

    @rx.event
    async def load(self):
        self.reset()
        await speaking(self)
        try:
            # `testpay_session` is the dynamic segment of routes.TESTPAY.
            session = describe_test_payment(self.testpay_session)
        except DomainError as error:
            self.page_error = error.message
        else:
            self.order_reference = session.order_reference
            self.amount_label = format_money(Money(session.amount, session.currency))
            self.order_path = local_path(session.success_url)
            self.cancel_path = local_path(session.cancel_url)
        self.loaded = True

    @rx.event(background=True)
    async def pay(self, form_data: dict[str, Any]):
        """Paying signs the outcome and sends its event: off the state lock, so the tab stays free."""
        card_number = text_field(form_data, "card_number")
        async with self:
            await speaking(self)
            if self.pending:
                return
            self.card_error = ""
            if not card_number:
                self.card_error = gettext("Enter a card number.")
                return
            self.pending = True
            session_id = self.testpay_session
        try:
            attempt = await asyncio.to_thread(pay_on_test_page, session_id, card_number)
        except DomainError as error:
            async with self:
                self.pending, self.page_error = False, error.message
            return
        async with self:
            self.pending = False
            if attempt.succeeded:
                self.paid = True
            else:
                self.card_error = attempt.message or gettext("Your card was declined.")
        if attempt.succeeded:
            # As with a real gateway, the buyer returns to the shop while the event is on its
            # way; the confirmation page waits for it.
            yield rx.redirect(local_path(attempt.redirect_url))


class TestPayConnectState(rx.State):
    """TestPay's payout-account onboarding page: the embedded stand-in for Stripe's hosted
    onboarding. Its signed token names the account; completing it sends the provider's
    `account.updated` event to the app's Connect endpoint (a job), as Stripe would."""

    __test__ = False

    loaded: bool = False
    page_error: str = ""
    error: str = ""
    error_field: str = ""
    pending: bool = False
    return_path: str = ""

    @rx.event
    async def load(self):
        self.reset()
        await speaking(self)
        try:
            # `onboarding_token` is the dynamic segment of routes.TESTPAY_CONNECT.
            onboarding = describe_test_onboarding(self.onboarding_token)
        except DomainError as error:
            self.page_error = error.message
        else:
            self.return_path = local_path(onboarding.return_url)
        self.loaded = True

    @rx.event(background=True)
    async def submit(self, form_data: dict[str, Any]):
        async with self:
            if self.pending:
                return
            self.pending, self.error, self.error_field = True, "", ""
            token = self.onboarding_token
        try:
            back = await asyncio.to_thread(
                complete_test_onboarding,
                token,
                legal_name=text_field(form_data, "legal_name"),
                bank_number=text_field(form_data, "bank_number"),
                accept_terms=bool(form_data.get("accept_terms")),
            )
        except DomainError as error:
            async with self:
                self.pending, self.error = False, error.message
                self.error_field = getattr(error, "field", None) or ""
            return
        async with self:
            self.pending = False
        yield rx.redirect(local_path(back))
