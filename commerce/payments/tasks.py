"""Background work of the payments module: TestPay's events, delivered to the app's own
webhook endpoint as a job, as a real gateway delivers them while the buyer returns to the shop."""

from __future__ import annotations

import logging

from commerce.config import ConfigurationError, get_settings
from commerce.errors import NotFound
from commerce.jobs import enqueue_now, job
from commerce.payments.connect import connect_provider
from commerce.payments.port import gateway
from commerce.payments.testpay import PaymentAttempt, TestPayGateway, TestPaySession, WebhookDelivery, deliver
from commerce.payments.testpay_connect import Onboarding, TestPayConnect

log = logging.getLogger(__name__)

TEST_PAGE_UNAVAILABLE = "The test payment gateway is not available on this site."


class WebhookNotAccepted(Exception):
    """The endpoint answered, but not with success: the job tries again."""


# Three attempts a second or two apart, as the page used to make them.
@job(max_retries=2, min_backoff_ms=1_000, max_backoff_ms=2_000)
def deliver_testpay_event(url: str, payload: str, headers: dict[str, str]) -> None:
    """POST one signed TestPay event. A repeated delivery is harmless: the endpoint records
    each event id once."""
    status = deliver(payload.encode("utf-8"), headers, url)
    if status >= 300:
        raise WebhookNotAccepted(f"the webhook endpoint {url} answered {status}")


def send_testpay_event(delivery: WebhookDelivery) -> None:
    """Hand a signed event to the job queue (Redis I/O with workers: call it off the event loop)."""
    enqueue_now(
        deliver_testpay_event, url=delivery.url, payload=delivery.payload.decode("utf-8"), headers=delivery.headers
    )


def test_page_gateway() -> TestPayGateway:
    """The gateway behind TestPay's payment page, or NotFound where that page must not work:
    in production, or when Stripe is the configured gateway."""
    if get_settings().is_production:
        raise NotFound(TEST_PAGE_UNAVAILABLE)
    try:
        configured = gateway()
    except ConfigurationError:
        raise NotFound(TEST_PAGE_UNAVAILABLE) from None
    if not isinstance(configured, TestPayGateway):
        raise NotFound(TEST_PAGE_UNAVAILABLE)
    return configured


def describe_test_payment(session_id: str) -> TestPaySession:
    """What TestPay's page shows for a session (NotFound when unavailable or unknown)."""
    return test_page_gateway().describe_session(session_id)


def pay_on_test_page(session_id: str, card_number: str) -> PaymentAttempt:
    """The TestPay page's Pay button: the card's outcome, and its event on its way to the
    app's webhook endpoint (the order is marked paid there, not by the buyer's return)."""
    attempt = test_page_gateway().pay(session_id, card_number)
    if attempt.webhook is not None:
        send_testpay_event(attempt.webhook)
    return attempt


def test_connect_provider() -> TestPayConnect:
    """TestPay's payout accounts behind its onboarding page, or NotFound where that page must
    not work: in production, or when Stripe Connect is the configured provider."""
    if get_settings().is_production:
        raise NotFound(TEST_PAGE_UNAVAILABLE)
    try:
        configured = connect_provider()
    except ConfigurationError:
        raise NotFound(TEST_PAGE_UNAVAILABLE) from None
    if not isinstance(configured, TestPayConnect):
        raise NotFound(TEST_PAGE_UNAVAILABLE)
    return configured


def describe_test_onboarding(token: str) -> Onboarding:
    return test_connect_provider().describe_onboarding(token)


def complete_test_onboarding(token: str, *, legal_name: str, bank_number: str, accept_terms: bool) -> str:
    """TestPay's onboarding form: its `account.updated` event goes to the app's Connect
    endpoint as a job; answers where to send the seller back to."""
    return test_connect_provider().complete_onboarding(
        token, legal_name=legal_name, bank_number=bank_number, accept_terms=accept_terms
    )
