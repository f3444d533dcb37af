"""Stripe Connect behind the ConnectProvider port: Express accounts, Account Links,
transfers ("separate charges and transfers"), manual bank payouts and Connect webhooks.

Express accounts are created with a manual payout schedule, so each of our payouts is one
transfer followed by one bank payout on the connected account, carrying our payout's id in
its metadata: the `payout.paid` / `payout.failed` events (sent to the Connect webhook
endpoint with the account's id) say how that payout ended.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import stripe as stripe_lib

from commerce.money import normalize_currency
from commerce.payments.connect import (
    ConnectedAccountState,
    ConnectNotice,
    PayoutRefused,
    PayoutSent,
    ReversalRefused,
    account_state,
    to_connect_notice,
)
from commerce.payments.errors import (
    PaymentProviderError,
    WebhookPayloadInvalid,
    WebhookSignatureInvalid,
    WebhookSignatureMissing,
)
from commerce.payments.port import header_value
from commerce.payments.stripe import (
    DEFAULT_TOLERANCE_SECONDS,
    SIGNATURE_HEADER,
    UNREACHABLE_MESSAGE,
    stripe_client,
    to_stripe_amount,
)

log = logging.getLogger(__name__)


class StripeConnect:
    name = "stripe"

    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        *,
        api_base: str | None = None,
        http_client: stripe_lib.HTTPClient | None = None,
        timeout_seconds: float = 20.0,
        max_network_retries: int = 2,
        tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    ):
        """`webhook_secret` is the Connect endpoint's signing secret (not the payments endpoint's)."""
        if not webhook_secret or not webhook_secret.strip():
            raise ValueError("a Stripe Connect webhook signing secret is required")
        self._webhook_secret = webhook_secret
        self._tolerance = tolerance_seconds
        self._client = stripe_client(
            secret_key,
            api_base=api_base,
            http_client=http_client,
            timeout_seconds=timeout_seconds,
            max_network_retries=max_network_retries,
        )

    def create_account(self, *, shop_id: int, email: str, country: str | None) -> ConnectedAccountState:
        params: dict[str, Any] = {
            "type": "express",
            "email": email,
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"shop_id": str(shop_id)},
            # Our payouts pay the bank themselves, one bank payout per transfer.
            "settings": {"payouts": {"schedule": {"interval": "manual"}}},
        }
        if country:
            params["country"] = country
        account = self._call(
            "open a payout account",
            lambda: self._client.v1.accounts.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": f"connect-account-shop-{shop_id}"},
            ),
        )
        return account_state(account.to_dict())

    def onboarding_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        link = self._call(
            "start onboarding",
            lambda: self._client.v1.account_links.create(
                params={
                    "account": account_id,
                    "refresh_url": refresh_url,
                    "return_url": return_url,
                    "type": "account_onboarding",
                }
            ),
        )
        return link.url

    def send_payout(
        self, *, account_id: str, bank_account_id: str, amount: int, currency: str, payout_id: int, idempotency_key: str
    ) -> PayoutSent:
        code = normalize_currency(currency)
        wire = to_stripe_amount(amount, code)
        metadata = {"payout_id": str(payout_id)}
        try:
            transfer = self._client.v1.transfers.create(
                params={
                    "amount": wire,
                    "currency": code.lower(),
                    "destination": account_id,
                    "transfer_group": f"payout-{payout_id}",
                    "metadata": metadata,
                },
                options={"idempotency_key": f"{idempotency_key}-transfer"},
            )
        except stripe_lib.InvalidRequestError as exc:
            log.warning("Stripe refused the transfer of payout %s: %s", payout_id, exc)
            raise PayoutRefused(exc.user_message or "Stripe refused the transfer.") from exc
        except stripe_lib.APIConnectionError as exc:
            raise PaymentProviderError(UNREACHABLE_MESSAGE) from exc
        except stripe_lib.StripeError as exc:
            raise PaymentProviderError("Stripe could not make the transfer. It will be tried again.") from exc
        params: dict[str, Any] = {"amount": wire, "currency": code.lower(), "metadata": metadata}
        if bank_account_id:
            params["destination"] = bank_account_id
        try:
            bank_payout = self._client.v1.payouts.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": f"{idempotency_key}-payout", "stripe_account": account_id},
            )
        except stripe_lib.InvalidRequestError as exc:
            log.warning("Stripe refused the bank payout of payout %s: %s", payout_id, exc)
            raise PayoutRefused(
                exc.user_message or "Stripe refused the payout to your bank.", transfer_id=transfer.id
            ) from exc
        except stripe_lib.APIConnectionError as exc:
            raise PaymentProviderError(UNREACHABLE_MESSAGE) from exc
        except stripe_lib.StripeError as exc:
            raise PaymentProviderError("Stripe could not start the bank payout. It will be tried again.") from exc
        return PayoutSent(transfer_id=transfer.id, bank_payout_id=bank_payout.id)

    def reverse_transfer(self, transfer_id: str, *, amount: int, currency: str, idempotency_key: str) -> str:
        try:
            reversal = self._client.v1.transfers.reversals.create(
                transfer_id,
                params={"amount": to_stripe_amount(amount, normalize_currency(currency))},
                options={"idempotency_key": idempotency_key},
            )
        except stripe_lib.InvalidRequestError as exc:
            # Insufficient funds in the connected account, or the transfer is already reversed.
            log.warning("Stripe refused to reverse transfer %s: %s", transfer_id, exc)
            raise ReversalRefused(exc.user_message or "Stripe could not reverse the transfer.") from exc
        except stripe_lib.APIConnectionError as exc:
            raise PaymentProviderError(UNREACHABLE_MESSAGE) from exc
        except stripe_lib.StripeError as exc:
            raise PaymentProviderError("Stripe could not reverse the transfer. It will be tried again.") from exc
        return reversal.id

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str]) -> ConnectNotice:
        header = header_value(headers, SIGNATURE_HEADER)
        if not header:
            raise WebhookSignatureMissing(f"The webhook has no {SIGNATURE_HEADER} header.")
        try:
            body = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            raise WebhookPayloadInvalid("The webhook body is not UTF-8.") from None
        try:
            event = self._client.construct_event(body, header, self._webhook_secret, self._tolerance)
        except stripe_lib.SignatureVerificationError as exc:
            raise WebhookSignatureInvalid(str(exc)) from None
        except (TypeError, UnicodeError):
            raise WebhookSignatureInvalid("The webhook signature is malformed.") from None
        except (ValueError, AttributeError) as exc:
            raise WebhookPayloadInvalid(f"The webhook body is not a Stripe event: {exc}") from None
        return to_connect_notice(self.name, event.to_dict())

    @staticmethod
    def _call(what: str, request):
        try:
            return request()
        except stripe_lib.APIConnectionError as exc:
            log.warning("Stripe unreachable to %s: %s", what, exc)
            raise PaymentProviderError(UNREACHABLE_MESSAGE) from exc
        except stripe_lib.StripeError as exc:
            log.warning("Stripe refused to %s: %s", what, exc)
            raise PaymentProviderError(f"Stripe could not {what}. Please try again in a moment.") from exc
