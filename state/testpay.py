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

from commerce import payments
from commerce.config import ConfigurationError, get_settings
from commerce.errors import DomainError
from commerce.money import Money, format_money
from commerce.payments.tasks import pay_on_test_page
from commerce.payments.testpay import TestPayGateway
from state.cart import local_path
from state.form_data import text_field

UNAVAILABLE = "The test payment gateway is not available on this site."


def _gateway() -> TestPayGateway | None:
    if get_settings().is_production:
        return None
    try:
        gateway = payments.gateway()
    except ConfigurationError:
        return None
    return gateway if isinstance(gateway, TestPayGateway) else None


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
    def load(self):
        self.reset()
        gateway = _gateway()
        if gateway is None:
            self.page_error = UNAVAILABLE
        else:
            try:
                # `testpay_session` is the dynamic segment of routes.TESTPAY.
                session = gateway.describe_session(self.testpay_session)
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
            if self.pending:
                return
            self.card_error = ""
            if not card_number:
                self.card_error = "Enter a card number."
                return
            gateway = _gateway()
            if gateway is None:
                self.page_error = UNAVAILABLE
                return
            self.pending = True
            session_id = self.testpay_session
        try:
            attempt = await asyncio.to_thread(pay_on_test_page, gateway, session_id, card_number)
        except DomainError as error:
            async with self:
                self.pending, self.page_error = False, error.message
            return
        async with self:
            self.pending = False
            if attempt.succeeded:
                self.paid = True
            else:
                self.card_error = attempt.message or "Your card was declined."
        if attempt.succeeded:
            # As with a real gateway, the buyer returns to the shop while the event is on its
            # way; the confirmation page waits for it.
            yield rx.redirect(local_path(attempt.redirect_url))
