"""The embedded test gateway's payment page (never in production).

The page is the gateway's, not the shop's: it knows only the signed session id in
its address. Paying posts the gateway's signed webhook to the app's own
`/api/webhooks/testpay`, the endpoint Stripe's events use, so the order is marked
paid by the same pipeline; the browser's return to the shop proves nothing.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import httpx
import reflex as rx

from commerce import payments
from commerce.config import ConfigurationError, get_settings
from commerce.errors import DomainError
from commerce.money import Money, format_money
from commerce.payments.testpay import TestPayGateway, WebhookDelivery, deliver
from state.cart import local_path
from state.form_data import text_field

log = logging.getLogger(__name__)
UNAVAILABLE = "The test payment gateway is not available on this site."


def _gateway() -> TestPayGateway | None:
    if get_settings().is_production:
        return None
    try:
        gateway = payments.gateway()
    except ConfigurationError:
        return None
    return gateway if isinstance(gateway, TestPayGateway) else None


def _post(delivery: WebhookDelivery, attempts: int = 3) -> bool:
    """Send the signed event, retrying as providers do; True once the app has recorded it.

    A repeated delivery is harmless: the endpoint records each event id once.
    """
    for attempt in range(attempts):
        try:
            if deliver(delivery.payload, delivery.headers, delivery.url) < 300:
                return True
        except httpx.HTTPError as exc:
            log.warning("TestPay could not deliver a webhook to %s: %s", delivery.url, exc)
        if attempt + 1 < attempts:
            time.sleep(1 + attempt)
    return False


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

    @rx.event
    async def pay(self, form_data: dict[str, Any]):
        card_number = text_field(form_data, "card_number")
        self.card_error = ""
        if not card_number:
            self.card_error = "Enter a card number."
            return
        gateway = _gateway()
        if gateway is None:
            self.page_error = UNAVAILABLE
            return
        self.pending = True
        yield
        try:
            attempt = await asyncio.to_thread(gateway.pay, self.testpay_session, card_number)
        except DomainError as error:
            self.pending = False
            self.page_error = error.message
            return
        if attempt.succeeded:
            self.paid, self.pending = True, False
            # As with a real gateway, the event is delivered while the buyer returns to the
            # shop. The confirmation page waits for it, so this tab's events need not (a
            # handler holds its tab until it returns, the order page's loading included).
            threading.Thread(target=_post, args=(attempt.webhook,), name="testpay-webhook", daemon=True).start()
            yield rx.redirect(local_path(attempt.redirect_url))
            return
        if attempt.webhook is not None:
            await asyncio.to_thread(_post, attempt.webhook)
        self.pending = False
        self.card_error = attempt.message or "Your card was declined."
