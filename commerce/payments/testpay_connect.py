"""TestPay's payout accounts: the embedded stand-in for Stripe Connect.

Like TestPay's payments it keeps no state of its own: account, bank account, transfer and
payout ids carry their own MAC, the onboarding page's address is a signed token, and every
outcome is announced by a webhook signed the way Stripe signs them, in Stripe's event shape
(`account.updated`, `payout.paid`, `payout.failed`), to the app's Connect endpoint. So the
payouts pipeline runs the same state machine and ledger entries as with Stripe.

The onboarding page asks for a legal name and a bank account number; Stripe's test numbers
decide how bank payouts end: 000123456789 pays out, 000111111116 fails (no such account).
Refused in production (`for_environment`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from commerce.config import ConfigurationError
from commerce.errors import NotFound, ValidationError
from commerce.links import TESTPAY_CONNECT_PATH
from commerce.models import PayoutAccountStatus
from commerce.money import normalize_currency
from commerce.payments import signing
from commerce.payments.connect import (
    ACCOUNT_UPDATED,
    PAYOUT_FAILED,
    PAYOUT_PAID,
    ConnectedAccountState,
    ConnectNotice,
    PayoutRefused,
    PayoutSent,
    ReversalRefused,
    to_connect_notice,
)
from commerce.payments.testpay import SIGNATURE_HEADER, WebhookDelivery, verified_event

DEFAULT_WEBHOOK_PATH = "/api/webhooks/testpay/connect"
PAYS_OUT = "000123456789"
PAYOUT_FAILS = "000111111116"
BANK_FAILURE_MESSAGE = "The bank account does not exist: check the account number."
INITIAL_REQUIREMENTS = ("individual.first_name", "individual.last_name", "external_account", "tos_acceptance.date")
_ACCOUNT = re.compile(r"acct_tp(\d+)_([0-9a-f]{16})")
_BANK = re.compile(r"ba_tp_(ok|fail)_(\d{4})_([0-9a-f]{16})")
_TRANSFER = re.compile(r"tr_tp_(\d+)_([A-Z]{3})_([0-9a-f]{16})_([0-9a-f]{16})")


@dataclass(frozen=True)
class Onboarding:
    """What the onboarding page shows, from its token."""

    token: str
    account_id: str
    return_url: str
    refresh_url: str


class TestPayConnect:
    __test__ = False  # not a pytest test class, despite the name

    name = "testpay"

    def __init__(
        self,
        secret: str,
        base_url: str,
        webhook_path: str = DEFAULT_WEBHOOK_PATH,
        *,
        send_event: Callable[[WebhookDelivery], object],
        link_ttl_seconds: int = 3600,
        tolerance_seconds: int = signing.DEFAULT_TOLERANCE_SECONDS,
        clock: Callable[[], float] = time.time,
    ):
        if not secret:
            raise ValueError("TestPay needs a secret")
        self.base_url = base_url.rstrip("/")
        self.webhook_url = self.base_url + "/" + webhook_path.lstrip("/")
        self._send_event = send_event
        self._link_ttl = link_ttl_seconds
        self._tolerance = tolerance_seconds
        self._clock = clock
        self._webhook_key = self._derive(secret, "connect-webhook-signing")
        self._id_key = self._derive(secret, "connect-ids").encode("ascii")
        self._links = URLSafeTimedSerializer(secret, salt="testpay.connect-onboarding")

    @classmethod
    def for_environment(cls, app_env: str, secret: str, base_url: str, **options: Any) -> TestPayConnect:
        if app_env == "production":
            raise ConfigurationError("The test payout provider is refused in production.")
        return cls(secret, base_url, **options)

    @staticmethod
    def _derive(secret: str, purpose: str) -> str:
        return hmac.new(secret.encode("utf-8"), f"testpay:{purpose}".encode(), hashlib.sha256).hexdigest()

    def _mac(self, message: str) -> str:
        return hmac.new(self._id_key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    def _verified_account(self, account_id: str) -> int:
        match = _ACCOUNT.fullmatch(account_id or "")
        if not match or not hmac.compare_digest(match.group(2), self._mac(f"account:{match.group(1)}")):
            raise PayoutRefused("There is no such payout account.")
        return int(match.group(1))

    # -- accounts and onboarding -----------------------------------------------------------

    def create_account(self, *, shop_id: int, email: str, country: str | None) -> ConnectedAccountState:
        account_id = f"acct_tp{shop_id}_{self._mac(f'account:{shop_id}')}"
        return ConnectedAccountState(
            account_id=account_id, status=PayoutAccountStatus.DETAILS_NEEDED, requirements=INITIAL_REQUIREMENTS
        )

    def onboarding_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        self._verified_account(account_id)
        token = self._links.dumps({"a": account_id, "r": return_url, "f": refresh_url})
        return f"{self.base_url}{TESTPAY_CONNECT_PATH}/{token}"

    def describe_onboarding(self, token: str) -> Onboarding:
        try:
            data = self._links.loads(token, max_age=self._link_ttl)
        except SignatureExpired:
            raise NotFound("This onboarding link has expired. Start again from your payouts page.") from None
        except BadSignature:
            raise NotFound("This onboarding link does not exist.") from None
        return Onboarding(token=token, account_id=data["a"], return_url=data["r"], refresh_url=data["f"])

    def complete_onboarding(self, token: str, *, legal_name: str, bank_number: str, accept_terms: bool) -> str:
        """The page's form: checks what the seller typed, announces the enabled account
        (`account.updated`) and answers the address to send the seller back to."""
        onboarding = self.describe_onboarding(token)
        name = " ".join((legal_name or "").split())
        digits = re.sub(r"[\s-]", "", bank_number or "")
        if not 2 <= len(name) <= 100:
            raise ValidationError("Enter your legal name as on your ID.", field="legal_name")
        if not (digits.isascii() and digits.isdigit() and 6 <= len(digits) <= 17):
            raise ValidationError("Enter a bank account number of 6 to 17 digits.", field="bank_number")
        if not accept_terms:
            raise ValidationError("Accept the payout terms to receive payouts.", field="accept_terms")
        outcome = "fail" if digits == PAYOUT_FAILS else "ok"
        last4 = digits[-4:]
        bank_id = f"ba_tp_{outcome}_{last4}_{self._mac(f'bank:{onboarding.account_id}:{outcome}:{last4}')}"
        account = {
            "id": onboarding.account_id,
            "object": "account",
            "type": "express",
            "details_submitted": True,
            "charges_enabled": True,
            "payouts_enabled": True,
            "capabilities": {"transfers": "active"},
            "requirements": {"currently_due": [], "past_due": [], "eventually_due": [], "disabled_reason": None},
            "business_profile": {"name": name},
            "external_accounts": {
                "object": "list",
                "data": [{"id": bank_id, "object": "bank_account", "bank_name": "TestPay Bank", "last4": last4}],
            },
        }
        self._send_event(self.sign(self._event(f"evt_{self._mac('onboarded:' + bank_id)}", ACCOUNT_UPDATED, account)))
        return onboarding.return_url

    # -- money -------------------------------------------------------------------------------

    def send_payout(
        self, *, account_id: str, bank_account_id: str, amount: int, currency: str, payout_id: int, idempotency_key: str
    ) -> PayoutSent:
        self._verified_account(account_id)
        match = _BANK.fullmatch(bank_account_id or "")
        if not match or not hmac.compare_digest(
            match.group(3), self._mac(f"bank:{account_id}:{match.group(1)}:{match.group(2)}")
        ):
            raise PayoutRefused("The payout account has no bank account to pay out to.")
        if amount <= 0:
            raise PayoutRefused("A payout must be for a positive amount.")
        code = normalize_currency(currency)
        nonce = self._mac(f"transfer-nonce:{idempotency_key}")
        body = f"{amount}_{code}_{nonce}"
        transfer_id = f"tr_tp_{body}_{self._mac('transfer:' + body)}"
        bank_payout_id = f"po_tp_{self._mac('payout:' + transfer_id)}"
        failed = match.group(1) == "fail"
        bank_payout = {
            "id": bank_payout_id,
            "object": "payout",
            "amount": amount,
            "currency": code.lower(),
            "destination": bank_account_id,
            "metadata": {"payout_id": str(payout_id)},
            "status": "failed" if failed else "paid",
            "failure_code": "no_account" if failed else None,
            "failure_message": BANK_FAILURE_MESSAGE if failed else None,
        }
        event_type = PAYOUT_FAILED if failed else PAYOUT_PAID
        event = self._event(f"evt_{self._mac(event_type + bank_payout_id)}", event_type, bank_payout, account_id)
        self._send_event(self.sign(event))
        return PayoutSent(transfer_id=transfer_id, bank_payout_id=bank_payout_id)

    def reverse_transfer(self, transfer_id: str, *, amount: int, currency: str, idempotency_key: str) -> str:
        match = _TRANSFER.fullmatch(transfer_id or "")
        if not match or not hmac.compare_digest(
            match.group(4), self._mac(f"transfer:{match.group(1)}_{match.group(2)}_{match.group(3)}")
        ):
            raise ReversalRefused("There is no such transfer to reverse.")
        if normalize_currency(currency) != match.group(2):
            raise ReversalRefused(f"The transfer was made in {match.group(2)}.")
        if not 0 < amount <= int(match.group(1)):
            raise ReversalRefused("The reversal is larger than the transfer.")
        return f"trr_tp_{self._mac(f'reversal:{transfer_id}:{idempotency_key}')}"

    # -- webhooks ------------------------------------------------------------------------------

    def _event(self, event_id: str, event_type: str, obj: dict[str, Any], account: str | None = None) -> dict:
        event = {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(self._clock()),
            "livemode": False,
            "data": {"object": obj},
        }
        if account:
            event["account"] = account
        return event

    def sign(self, event: Mapping[str, Any]) -> WebhookDelivery:
        payload = json.dumps(event, separators=(",", ":")).encode("utf-8")
        header = signing.signature_header(payload, self._webhook_key, int(self._clock()))
        return WebhookDelivery(url=self.webhook_url, payload=payload, headers={SIGNATURE_HEADER: header})

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str]) -> ConnectNotice:
        event = verified_event(
            payload, headers, self._webhook_key, now=self._clock(), tolerance_seconds=self._tolerance
        )
        return to_connect_notice(self.name, event)
