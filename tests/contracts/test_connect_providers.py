"""Contract of the ConnectProvider port (payouts), run against Stripe Connect and TestPay.

Stripe is exercised offline, as the payments adapter is: Connect webhooks are signed here
exactly as Stripe signs them, over payloads shaped like Stripe's
(tests/contracts/stripe_connect_payloads/), the library's own objects are built with
`construct_from`, and API calls go to a stub HTTP server on 127.0.0.1 that records what the
official client sends. The last tests run the payouts pipeline on the database with the
Stripe adapter, from the account's onboarding to the bank payout's event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
import stripe
from sqlmodel import select

from commerce.models import Payout, PayoutAccount, PayoutAccountStatus, PayoutStatus
from commerce.payments import (
    PaymentProviderError,
    WebhookPayloadInvalid,
    WebhookSignatureInvalid,
    WebhookSignatureMissing,
)
from commerce.payments.connect import (
    ConnectNoticeKind,
    ConnectProvider,
    PayoutRefused,
    ReversalRefused,
    connect_provider,
    to_connect_notice,
)
from commerce.payments.stripe_connect import StripeConnect
from commerce.payments.testpay_connect import TestPayConnect
from commerce.payouts import accounts
from commerce.payouts.tasks import start_run
from commerce.payouts.webhooks import handle_notice
from tests.domain.payouts.conftest import Payouts

PAYLOADS = Path(__file__).parent / "stripe_connect_payloads"
CONNECT_SECRET = "whsec_connect_test_7a1b2c3d4e5f60718293a4b5c6d7e8f9"
API_KEY = "sk_test_51ConnectContract00000000"
ACCOUNT = "acct_1QConnExpress0001"
BANK = "ba_1QConnBank00001"
TRANSFER = "tr_1QConnTransfer0001"


def fixture_event(name: str) -> dict:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def signature(payload: bytes, secret: str, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class StubStripe:
    """Records requests; answers each path with the next queued (status, body) or a default."""

    def __init__(self):
        self.requests: list[dict] = []
        self.queued: list[tuple[int, dict]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                stub.requests.append({"path": self.path, "headers": dict(self.headers), "form": parse_qs(body)})
                status, answer = stub.queued.pop(0) if stub.queued else (200, stub.default_answer(self.path))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_stub")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def default_answer(path: str) -> dict:
        if path == "/v1/accounts":
            return fixture_event("account_updated_details_needed")["data"]["object"]
        if path == "/v1/account_links":
            return {"object": "account_link", "url": f"https://connect.stripe.com/setup/e/{ACCOUNT}/Xy12", "created": 1}
        if path == "/v1/transfers":
            return {"id": TRANSFER, "object": "transfer", "amount": 1842, "currency": "usd", "destination": ACCOUNT}
        if path == "/v1/payouts":
            return {"id": "po_1QConnPayout000001", "object": "payout", "amount": 1842, "status": "pending"}
        if path.startswith("/v1/transfers/") and path.endswith("/reversals"):
            return {"id": "trr_1QConnReversal001", "object": "transfer_reversal", "amount": 500, "currency": "usd"}
        return {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL (POST: {path})"}}

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def stub_stripe():
    stub = StubStripe()
    yield stub
    stub.close()


@pytest.fixture
def stripe_api(stub_stripe):
    stub_stripe.requests.clear()
    stub_stripe.queued.clear()
    return stub_stripe


def make_stripe(api_base: str) -> StripeConnect:
    session = requests.Session()
    session.trust_env = False  # never route 127.0.0.1 through a proxy from the environment
    return StripeConnect(
        API_KEY,
        CONNECT_SECRET,
        api_base=api_base,
        http_client=stripe.RequestsClient(timeout=5, session=session),
        max_network_retries=0,
    )


# -- both providers: signed webhooks ------------------------------------------------------


class StripeHarness:
    def __init__(self, stub):
        self.provider = make_stripe(stub.url)
        self.header = "Stripe-Signature"

    def sign(self, event: dict, *, age_seconds: int = 0, secret: str = CONNECT_SECRET):
        payload = json.dumps(event, indent=2).encode()
        return payload, {self.header: signature(payload, secret, int(time.time()) - age_seconds)}


class TestPayHarness:
    __test__ = False

    def __init__(self):
        self.sent = []
        self.provider = TestPayConnect("connect-contract-secret", "http://shop.test", send_event=self.sent.append)
        self.header = "TestPay-Signature"

    def sign(self, event: dict, *, age_seconds: int = 0, secret: str | None = None):
        payload = json.dumps(event).encode()
        key = self.provider._webhook_key if secret is None else secret
        return payload, {self.header: signature(payload, key, int(time.time()) - age_seconds)}


@pytest.fixture(params=["stripe", "testpay"])
def harness(request, stub_stripe):
    return StripeHarness(stub_stripe) if request.param == "stripe" else TestPayHarness()


def test_both_providers_satisfy_the_port(harness):
    assert isinstance(harness.provider, ConnectProvider)


def test_a_signed_account_update_is_read(harness):
    notice = harness.provider.parse_webhook(*harness.sign(fixture_event("account_updated_enabled")))
    assert notice.kind == ConnectNoticeKind.ACCOUNT_UPDATED
    assert notice.account.status == PayoutAccountStatus.ENABLED
    assert notice.account_id == ACCOUNT


def test_unsigned_forged_tampered_and_old_events_are_refused(harness):
    event = fixture_event("payout_paid")
    with pytest.raises(WebhookSignatureMissing):
        harness.provider.parse_webhook(json.dumps(event).encode(), {})
    with pytest.raises(WebhookSignatureInvalid):
        harness.provider.parse_webhook(*harness.sign(event, secret="whsec_someone_else"))
    payload, headers = harness.sign(event)
    with pytest.raises(WebhookSignatureInvalid):
        harness.provider.parse_webhook(payload.replace(b"1842", b"9842"), headers)
    with pytest.raises(WebhookSignatureInvalid):
        harness.provider.parse_webhook(*harness.sign(event, age_seconds=600))


@pytest.mark.parametrize("body", [b"[]", b'{"id": "evt_1", "type": "payout.paid"}'])
def test_signed_but_unreadable_events_are_payload_errors(harness, body):
    key = CONNECT_SECRET if isinstance(harness, StripeHarness) else harness.provider._webhook_key
    with pytest.raises(WebhookPayloadInvalid):
        harness.provider.parse_webhook(body, {harness.header: signature(body, key, int(time.time()))})


# -- Stripe's Connect events --------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "status", "missing", "bank"),
    [
        (
            "account_updated_details_needed",
            PayoutAccountStatus.DETAILS_NEEDED,
            (
                "business_type",
                "external_account",
                "individual.first_name",
                "individual.last_name",
                "tos_acceptance.date",
                "tos_acceptance.ip",
            ),
            "",
        ),
        ("account_updated_restricted", PayoutAccountStatus.RESTRICTED, ("individual.verification.document",), BANK),
        ("account_updated_enabled", PayoutAccountStatus.ENABLED, (), BANK),
    ],
)
def test_stripe_account_states_map_to_the_three_statuses(stripe_api, fixture, status, missing, bank):
    raw = fixture_event(fixture)
    notice = make_stripe(stripe_api.url).parse_webhook(*StripeHarness(stripe_api).sign(raw))
    assert notice.event_id == raw["id"]
    assert notice.created.timestamp() == raw["created"]
    assert (notice.account.status, notice.account.requirements, notice.account.bank_account_id) == (
        status,
        missing,
        bank,
    )


@pytest.mark.parametrize(
    ("fixture", "kind", "message"),
    [
        ("payout_paid", ConnectNoticeKind.PAYOUT_PAID, None),
        ("payout_failed", ConnectNoticeKind.PAYOUT_FAILED, "The bank account has been closed."),
        ("capability_updated", ConnectNoticeKind.IGNORED, None),
    ],
)
def test_stripe_bank_payout_events_name_our_payout(stripe_api, fixture, kind, message):
    notice = make_stripe(stripe_api.url).parse_webhook(*StripeHarness(stripe_api).sign(fixture_event(fixture)))
    assert (notice.kind, notice.account_id, notice.failure_message) == (kind, ACCOUNT, message)
    if kind != ConnectNoticeKind.IGNORED:
        assert (notice.payout_id, notice.bank_payout_id) == (41, "po_1QConnPayout000001")


@pytest.mark.parametrize(
    "fixture", ["account_updated_restricted", "account_updated_enabled", "payout_paid", "payout_failed"]
)
def test_events_as_the_stripe_library_builds_them_map_like_their_json(fixture):
    """What `construct_event` hands the adapter is a `stripe.Event` of StripeObjects: built
    here with `construct_from`, it must map exactly as the plain JSON does."""
    raw = fixture_event(fixture)
    library_event = stripe.Event.construct_from(raw, "sk_test_offline")
    assert isinstance(library_event.data.object, stripe.StripeObject)
    assert to_connect_notice("stripe", library_event.to_dict()) == to_connect_notice("stripe", raw)


# -- Stripe's API, through the official client ------------------------------------------------


def test_stripe_creates_an_express_account_with_manual_payouts_once_per_shop(stripe_api):
    state = make_stripe(stripe_api.url).create_account(shop_id=7, email="seller@example.com", country=None)
    assert (state.account_id, state.status) == (ACCOUNT, PayoutAccountStatus.DETAILS_NEEDED)
    [sent] = stripe_api.requests
    assert sent["path"] == "/v1/accounts"
    assert sent["form"]["type"] == ["express"]
    assert sent["form"]["capabilities[transfers][requested]"] == ["true"]
    assert sent["form"]["settings[payouts][schedule][interval]"] == ["manual"]
    assert sent["form"]["metadata[shop_id]"] == ["7"]
    assert sent["headers"]["Idempotency-Key"] == "connect-account-shop-7"


def test_stripe_onboarding_is_an_account_link_back_to_the_payouts_page(stripe_api):
    url = make_stripe(stripe_api.url).onboarding_link(ACCOUNT, refresh_url="http://x/r", return_url="http://x/done")
    assert url.startswith("https://connect.stripe.com/setup/")
    [sent] = stripe_api.requests
    assert sent["form"] == {
        "account": [ACCOUNT],
        "refresh_url": ["http://x/r"],
        "return_url": ["http://x/done"],
        "type": ["account_onboarding"],
    }


def test_stripe_payout_is_a_transfer_then_a_bank_payout_on_the_connected_account(stripe_api):
    sent = make_stripe(stripe_api.url).send_payout(
        account_id=ACCOUNT, bank_account_id=BANK, amount=1842, currency="USD", payout_id=41, idempotency_key="payout-41"
    )
    assert (sent.transfer_id, sent.bank_payout_id) == (TRANSFER, "po_1QConnPayout000001")
    transfer, bank_payout = stripe_api.requests
    assert transfer["path"] == "/v1/transfers"
    assert transfer["form"]["amount"] == ["1842"]
    assert transfer["form"]["currency"] == ["usd"]
    assert transfer["form"]["destination"] == [ACCOUNT]
    assert transfer["form"]["metadata[payout_id]"] == ["41"]
    assert transfer["headers"]["Idempotency-Key"] == "payout-41-transfer"
    assert "Stripe-Account" not in transfer["headers"]  # from the platform's balance
    assert bank_payout["path"] == "/v1/payouts"
    assert bank_payout["headers"]["Stripe-Account"] == ACCOUNT
    assert bank_payout["headers"]["Idempotency-Key"] == "payout-41-payout"
    assert bank_payout["form"]["destination"] == [BANK]
    assert bank_payout["form"]["metadata[payout_id]"] == ["41"]


def _refusal(message: str) -> tuple[int, dict]:
    return 400, {"error": {"type": "invalid_request_error", "message": message}}


def test_stripe_refused_transfer_and_refused_bank_payout(stripe_api):
    provider = make_stripe(stripe_api.url)
    args = dict(account_id=ACCOUNT, bank_account_id=BANK, amount=1842, currency="USD", payout_id=41)
    stripe_api.queued.append(_refusal("Your destination account needs to have at least one capability enabled."))
    with pytest.raises(PayoutRefused) as refused:
        provider.send_payout(idempotency_key="payout-41", **args)
    assert refused.value.transfer_id == ""
    stripe_api.queued.extend([(200, StubStripe.default_answer("/v1/transfers")), _refusal("No such bank account.")])
    with pytest.raises(PayoutRefused) as refused:
        provider.send_payout(idempotency_key="payout-42", **args)
    assert refused.value.transfer_id == TRANSFER  # the caller takes the transfer back


def test_stripe_reverses_transfers_and_says_when_it_cannot(stripe_api):
    provider = make_stripe(stripe_api.url)
    assert (
        provider.reverse_transfer(TRANSFER, amount=500, currency="USD", idempotency_key="k1") == "trr_1QConnReversal001"
    )
    [sent] = stripe_api.requests
    assert sent["path"] == f"/v1/transfers/{TRANSFER}/reversals"
    assert sent["form"]["amount"] == ["500"]
    stripe_api.queued.append(_refusal("Insufficient funds in the connected account."))
    with pytest.raises(ReversalRefused, match="Insufficient funds"):
        provider.reverse_transfer(TRANSFER, amount=500, currency="USD", idempotency_key="k2")


def test_stripe_unreachable_is_a_provider_error_that_a_job_retries():
    provider = make_stripe("http://127.0.0.1:9")
    with pytest.raises(PaymentProviderError):
        provider.send_payout(
            account_id=ACCOUNT, bank_account_id=BANK, amount=100, currency="USD", payout_id=1, idempotency_key="p"
        )


def test_stripe_connect_needs_its_secrets():
    with pytest.raises(ValueError, match="secret key"):
        StripeConnect("", CONNECT_SECRET)
    with pytest.raises(ValueError, match="webhook signing secret"):
        StripeConnect(API_KEY, " ")


def test_testpay_refuses_payouts_to_forged_accounts_and_banks():
    provider = TestPayConnect("connect-contract-secret", "http://shop.test", send_event=lambda _d: None)
    account = provider.create_account(shop_id=3, email="a@b.c", country=None).account_id
    for forged_account, bank in ((account[:-1] + "0", "ba_tp_ok_6789_0000000000000000"), (account, "ba_x")):
        with pytest.raises(PayoutRefused):
            provider.send_payout(
                account_id=forged_account,
                bank_account_id=bank,
                amount=100,
                currency="USD",
                payout_id=1,
                idempotency_key="p",
            )
    with pytest.raises(ReversalRefused):
        provider.reverse_transfer(
            "tr_tp_100_USD_0000000000000000_0000000000000000", amount=1, currency="USD", idempotency_key="k"
        )


# -- the payouts pipeline with Stripe, on the database --------------------------------------------


def test_the_stripe_pipeline_from_onboarding_to_the_bank(market, stripe_api):
    provider = make_stripe(stripe_api.url)
    sign = StripeHarness(stripe_api).sign
    shop = market.shop("USD")
    market.buy(market.user(), market.product(shop, 2000))
    with connect_provider.replaced(provider):
        url = accounts.start_onboarding(market.s, market.seller_actor(shop), provider, base_url="http://shop.test")
        assert url.startswith("https://connect.stripe.com/")
        account = market.s.exec(select(PayoutAccount).where(PayoutAccount.shop_id == shop.id)).one()
        assert account.account_id == ACCOUNT

        # Onboarding finished at Stripe: the Connect webhook enables payouts; an older
        # restricted event delivered late changes nothing.
        assert handle_notice(market.s, provider.parse_webhook(*sign(fixture_event("account_updated_enabled")))) == (
            "account enabled"
        )
        late = fixture_event("account_updated_restricted")
        late["created"] = 1733240000
        assert "older" in handle_notice(market.s, provider.parse_webhook(*sign(late)))
        market.s.refresh(account)
        assert account.status == PayoutAccountStatus.ENABLED

        Payouts(market).hold_passes(shop)
        [payout_id] = start_run(market.s, run_key="stripe-run")
        market.s.commit()  # the transfer job runs against the stub
        paid = fixture_event("payout_paid")
        paid["data"]["object"]["metadata"]["payout_id"] = str(payout_id)
        assert handle_notice(market.s, provider.parse_webhook(*sign(paid))) == "paid"
        assert handle_notice(market.s, provider.parse_webhook(*sign(paid))) == "duplicate"
    payout = market.s.get(Payout, payout_id)
    assert (payout.status, payout.transfer_id, payout.amount) == (PayoutStatus.PAID, TRANSFER, 2000 - 100 - 58)
    assert [r["path"] for r in stripe_api.requests][-2:] == ["/v1/transfers", "/v1/payouts"]


def test_a_stripe_payout_event_for_another_account_changes_nothing(market, stripe_api):
    provider = make_stripe(stripe_api.url)
    shop = market.shop("USD")
    accounts.start_onboarding(market.s, market.seller_actor(shop), provider, base_url="http://shop.test")
    forged = fixture_event("payout_paid")
    forged["account"] = "acct_1SomeoneElse00001"
    notice = provider.parse_webhook(*StripeHarness(stripe_api).sign(forged))
    assert handle_notice(market.s, notice) == "unknown account"
