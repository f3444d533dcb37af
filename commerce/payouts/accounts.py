"""Connecting a shop's payout account and keeping its status in step with the provider."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from commerce.accounts.step_up import require_recent_second_factor
from commerce.actor import Actor, require_shop
from commerce.kit.time import utcnow
from commerce.links import SELLER_PAYOUTS_PATH, absolute
from commerce.models import PayoutAccount, PayoutAccountStatus, Shop, User
from commerce.notifications import inapp
from commerce.payments.connect import ConnectedAccountState, ConnectProvider

ONBOARDING_DONE = "done"
ONBOARDING_REFRESH = "refresh"


def shop_account(s: Session, shop_id: int) -> PayoutAccount | None:
    return s.exec(select(PayoutAccount).where(PayoutAccount.shop_id == shop_id)).first()


def start_onboarding(s: Session, actor: Actor, provider: ConnectProvider, *, base_url: str) -> str:
    """Open the shop's payout account at the provider if it has none, and answer the address
    of the provider's onboarding (Stripe's Account Link, or TestPay's local page), which sends
    the seller back to the payouts page. Also how a seller changes their payout details.

    Where the money goes is sensitive: an owner with a second factor confirms it in this
    session first (StepUpRequired otherwise), whether connecting or changing details."""
    shop_id = require_shop(actor)
    require_recent_second_factor(s, actor)
    account = shop_account(s, shop_id)
    if account is None or account.provider != provider.name:
        shop = s.get_one(Shop, shop_id)
        owner = s.get_one(User, shop.owner_id)
        state = provider.create_account(shop_id=shop_id, email=owner.email, country=None)
        if account is None:
            account = PayoutAccount(shop_id=shop_id, provider=provider.name, account_id=state.account_id)
        account.provider, account.account_id, account.synced_at = provider.name, state.account_id, None
        _apply(account, state)
        s.add(account)
        s.flush()
    page = absolute(base_url, SELLER_PAYOUTS_PATH)
    return provider.onboarding_link(
        account.account_id,
        refresh_url=f"{page}?onboarding={ONBOARDING_REFRESH}",
        return_url=f"{page}?onboarding={ONBOARDING_DONE}",
    )


def _apply(account: PayoutAccount, state: ConnectedAccountState) -> None:
    account.status = state.status
    account.requirements = ",".join(state.requirements)[:2000]
    account.disabled_reason = state.disabled_reason[:200]
    if state.bank_account_id:
        account.bank_account_id, account.bank_label = state.bank_account_id, state.bank_label
    account.updated_at = utcnow()


def apply_account_state(s: Session, account: PayoutAccount, state: ConnectedAccountState, *, at: datetime) -> str:
    """A Connect `account.updated`: the status and what is missing, unless an older event."""
    if account.synced_at is not None and at < account.synced_at:
        return "older than the account's last update"
    before = account.status
    _apply(account, state)
    account.synced_at = at
    s.add(account)
    s.flush()
    if before != account.status and account.status != PayoutAccountStatus.DETAILS_NEEDED:
        shop = s.get_one(Shop, account.shop_id)
        enabled = account.status == PayoutAccountStatus.ENABLED
        inapp.notify(
            s,
            shop.owner_id,
            kind="payout_account",
            title="Your payout account is ready" if enabled else "Your payout account needs attention",
            body=(
                "Your earnings will be paid out on the next scheduled payout."
                if enabled
                else "Payouts are paused until you give the payment provider what it asks for."
            ),
            url=SELLER_PAYOUTS_PATH,
        )
    return f"account {account.status}"
