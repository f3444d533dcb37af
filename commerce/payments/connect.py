"""The ConnectProvider port: sellers' payout accounts and the transfers that pay them.

Charges stay on the platform ("separate charges and transfers"): a payout is a transfer
of a seller's available earnings to their connected account, followed by a bank payout
from that account. Stripe Connect (Express accounts) is the real provider
(`payments.stripe_connect`); TestPay's local accounts (`payments.testpay_connect`) are the
embedded default. Both send their events in Stripe's shape, read here into ConnectNotice.
Amounts are ISO minor units, as everywhere in the domain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from commerce.errors import DomainError, ValidationError
from commerce.i18n import bo_gettext, bo_N_
from commerce.kit.slot import Slot
from commerce.models import PayoutAccountStatus
from commerce.money import normalize_currency
from commerce.payments.errors import WebhookPayloadInvalid

ACCOUNT_UPDATED = "account.updated"
PAYOUT_PAID = "payout.paid"
PAYOUT_FAILED = "payout.failed"

# Requirement names as Stripe reports them, and what a seller reads for each.
REQUIREMENT_LABELS = {
    "external_account": bo_N_("a bank account to receive payouts"),
    "tos_acceptance.date": bo_N_("acceptance of the payout terms"),
    "tos_acceptance.ip": bo_N_("acceptance of the payout terms"),
    "business_profile.url": bo_N_("your business website"),
    "business_profile.mcc": bo_N_("your business category"),
    "business_type": bo_N_("your business type"),
    "individual.first_name": bo_N_("your legal first name"),
    "individual.last_name": bo_N_("your legal last name"),
    "individual.dob.day": bo_N_("your date of birth"),
    "individual.address.line1": bo_N_("your address"),
    "individual.email": bo_N_("your email address"),
    "individual.phone": bo_N_("your phone number"),
    "individual.id_number": bo_N_("your ID number"),
    "individual.verification.document": bo_N_("a photo of your ID document"),
}


def requirement_label(name: str) -> str:
    if name in REQUIREMENT_LABELS:
        return bo_gettext(REQUIREMENT_LABELS[name])
    for prefix, key in (("individual.dob", "individual.dob.day"), ("individual.address", "individual.address.line1")):
        if name.startswith(prefix):
            return bo_gettext(REQUIREMENT_LABELS[key])
    return name.replace("_", " ").replace(".", ": ")


class ConnectNoticeKind(StrEnum):
    ACCOUNT_UPDATED = "account_updated"
    PAYOUT_PAID = "payout_paid"
    PAYOUT_FAILED = "payout_failed"
    IGNORED = "ignored"


@dataclass(frozen=True)
class ConnectedAccountState:
    """A connected account as the provider describes it."""

    account_id: str
    status: PayoutAccountStatus
    requirements: tuple[str, ...] = ()
    disabled_reason: str = ""
    bank_account_id: str = ""
    bank_label: str = ""


@dataclass(frozen=True)
class ConnectNotice:
    """A verified Connect webhook event, reduced to what payouts need."""

    provider: str
    event_id: str
    raw_type: str
    kind: ConnectNoticeKind
    created: datetime
    account_id: str
    account: ConnectedAccountState | None = None
    # Bank payouts: our payout's id (from the metadata we sent) and the provider's.
    payout_id: int | None = None
    bank_payout_id: str | None = None
    failure_message: str | None = None


@dataclass(frozen=True)
class PayoutSent:
    transfer_id: str
    bank_payout_id: str


class PayoutRefused(DomainError):
    """The provider said no to a transfer or a bank payout: it will not work if tried again.

    `transfer_id` is set when the transfer went through but the bank payout was refused,
    so the caller takes the transfer back."""

    def __init__(self, message: str, *, transfer_id: str = ""):
        super().__init__(message)
        self.transfer_id = transfer_id


class ReversalRefused(DomainError):
    """The provider could not take money back from a transfer (the seller's balance is
    short, or the transfer is already reversed): the debt stays on the seller's balance."""


@runtime_checkable
class ConnectProvider(Protocol):
    name: str

    def create_account(self, *, shop_id: int, email: str, country: str | None) -> ConnectedAccountState:
        """Open a connected account for a shop (idempotent per shop)."""
        ...

    def onboarding_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        """A single-use address where the seller gives the provider what it needs."""
        ...

    def send_payout(
        self, *, account_id: str, bank_account_id: str, amount: int, currency: str, payout_id: int, idempotency_key: str
    ) -> PayoutSent:
        """Transfer `amount` to the account, then pay it out to its bank. PayoutRefused when the
        provider says no; PaymentProviderError when it cannot be reached (safe to retry: the
        idempotency key makes a retry the same transfer)."""
        ...

    def reverse_transfer(self, transfer_id: str, *, amount: int, currency: str, idempotency_key: str) -> str:
        """Take `amount` back from a transfer; returns the reversal's id. ReversalRefused when impossible."""
        ...

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str]) -> ConnectNotice:
        """Verify and read one Connect webhook delivery (WebhookError subclasses otherwise)."""
        ...


# Plugged in by commerce.wiring: Stripe Connect with STRIPE_SECRET_KEY, else TestPay's.
connect_provider: Slot[ConnectProvider] = Slot("payout provider")


# -- reading Stripe-shaped Connect events ------------------------------------------------------


def _str(mapping: Mapping[str, Any], key: str) -> str:
    value = mapping.get(key)
    return value if isinstance(value, str) else ""


def account_state(obj: Mapping[str, Any]) -> ConnectedAccountState:
    """A Stripe account object (or TestPay's copy of one) -> its state for the payouts page."""
    account_id = _str(obj, "id")
    if not account_id:
        raise WebhookPayloadInvalid("The account has no id.")
    requirements = obj.get("requirements") if isinstance(obj.get("requirements"), Mapping) else {}
    assert isinstance(requirements, Mapping)
    missing: list[str] = []
    for key in ("past_due", "currently_due"):
        for name in requirements.get(key) or ():
            if isinstance(name, str) and name not in missing:
                missing.append(name)
    disabled_reason = _str(requirements, "disabled_reason")
    capabilities = obj.get("capabilities") if isinstance(obj.get("capabilities"), Mapping) else {}
    assert isinstance(capabilities, Mapping)
    transfers = capabilities.get("transfers", "active")
    if not obj.get("details_submitted"):
        status = PayoutAccountStatus.DETAILS_NEEDED
    elif obj.get("payouts_enabled") and transfers == "active" and not disabled_reason:
        status = PayoutAccountStatus.ENABLED
    else:
        status = PayoutAccountStatus.RESTRICTED
    bank_id = bank_label = ""
    external = obj.get("external_accounts")
    data = external.get("data") if isinstance(external, Mapping) else None
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        bank = data[0]
        bank_id = _str(bank, "id")
        last4 = _str(bank, "last4")
        bank_label = " ".join(part for part in (_str(bank, "bank_name"), f"•••• {last4}" if last4 else "") if part)
    return ConnectedAccountState(
        account_id=account_id,
        status=status,
        requirements=tuple(missing),
        disabled_reason=disabled_reason,
        bank_account_id=bank_id,
        bank_label=bank_label[:60],
    )


def to_connect_notice(provider: str, event: Mapping[str, Any]) -> ConnectNotice:
    """Map a verified Stripe-shaped Connect event; unknown types come back as ignored."""
    if not isinstance(event, Mapping):
        raise WebhookPayloadInvalid("The event is not a JSON object.")
    event_id, raw_type = _str(event, "id"), _str(event, "type")
    created_at = event.get("created")
    if not event_id or not raw_type or not isinstance(created_at, int) or isinstance(created_at, bool):
        raise WebhookPayloadInvalid("The event has no id, type or creation time.")
    try:
        created = datetime.fromtimestamp(created_at, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise WebhookPayloadInvalid("The event's 'created' time is out of range.") from None
    data = event.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    if not isinstance(obj, Mapping):
        raise WebhookPayloadInvalid("The event has no object.")
    account_id = _str(event, "account")
    if raw_type == ACCOUNT_UPDATED:
        state = account_state(obj)
        return ConnectNotice(
            provider=provider,
            event_id=event_id,
            raw_type=raw_type,
            created=created,
            kind=ConnectNoticeKind.ACCOUNT_UPDATED,
            account_id=state.account_id,
            account=state,
        )
    if raw_type in (PAYOUT_PAID, PAYOUT_FAILED):
        metadata = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
        assert isinstance(metadata, Mapping)
        raw_payout = metadata.get("payout_id")
        payout_id = int(raw_payout) if isinstance(raw_payout, str) and raw_payout.isdigit() else None
        try:
            normalize_currency(_str(obj, "currency"))
        except ValidationError:
            raise WebhookPayloadInvalid("The payout has no valid currency.") from None
        failed = raw_type == PAYOUT_FAILED
        message = _str(obj, "failure_message") or ("The bank refused the payout." if failed else "")
        return ConnectNotice(
            provider=provider,
            event_id=event_id,
            raw_type=raw_type,
            created=created,
            kind=ConnectNoticeKind.PAYOUT_FAILED if failed else ConnectNoticeKind.PAYOUT_PAID,
            account_id=account_id,
            payout_id=payout_id,
            bank_payout_id=_str(obj, "id") or None,
            failure_message=message or None,
        )
    return ConnectNotice(
        provider=provider,
        event_id=event_id,
        raw_type=raw_type,
        created=created,
        kind=ConnectNoticeKind.IGNORED,
        account_id=account_id,
    )
