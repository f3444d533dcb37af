"""Erasing an account (the right to deletion).

The person's row stays, because orders, invoices, ledger postings, reviews and licenses
point at it, but nothing in it names them any more: the email becomes a pseudonym on
the reserved `.invalid` domain, the name "Former buyer", and the
password, SMS number and preferences go. Their sessions end and every way back in
(reset, sign-up and receipt links) is deleted. Orders keep their amounts, currencies
and billing country (tax records) with the pseudonym for an email; the ledger is not
touched, so sellers' figures and balances still add up. Reviews stay, shown as by a
former buyer. A seller's shop closes: its products stop selling, and every buyer keeps
their library, downloads and keys. Download logs keep the counts that enforce limits,
without IP address or browser.

Afterwards the same email address is free: registering with it makes a new account.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from commerce.accounts import passwords
from commerce.actor import Actor, require_signed_in
from commerce.catalog.changes import mark_shop_products_dirty
from commerce.errors import NotFound, ValidationError
from commerce.i18n import gettext
from commerce.kit.time import utcnow
from commerce.models import (
    NO_PASSWORD,
    ApiKey,
    AuthSession,
    Cart,
    CartItem,
    DownloadEvent,
    EmailChangeToken,
    FailedJob,
    FeatureFlagAccount,
    LibrarySeen,
    LibraryState,
    Notification,
    Order,
    OrderAccessLink,
    PasswordResetToken,
    PrivacyRequest,
    PrivacyRequestKind,
    PrivacyRequestStatus,
    Product,
    ProductStatus,
    PushSubscription,
    RegistrationToken,
    Shop,
    User,
    UserPreference,
    saved_id,
)
from commerce.models.security import (
    Passkey,
    PendingSignIn,
    RecoveryCode,
    SecurityEvent,
    TotpFactor,
    WebAuthnChallenge,
)
from commerce.privacy.exports import delete_export_files

log = logging.getLogger("commerce.privacy")

# What a person types when their account has no password (made at a guest checkout).
CONFIRMATION_WORD = "DELETE"
FORMER_BUYER = "Former buyer"
ERASED_DOMAIN = "erased.invalid"


@dataclass(frozen=True)
class ErasureDone:
    request_id: int
    shop_closed: bool


def pseudonym_email() -> str:
    return f"erased-{secrets.token_hex(8)}@{ERASED_DOMAIN}"


def erase_account(s: Session, actor: Actor, *, password: str = "", confirmation: str = "") -> ErasureDone:
    """Erase the signed-in person's account, after they confirmed with their password (or,
    for an account without one, by typing DELETE). Nothing changes when the check fails."""
    user = s.get(User, require_signed_in(actor))
    if user is None or user.erased_at is not None:
        raise NotFound(gettext("This account no longer exists."))
    if user.password_hash != NO_PASSWORD:
        if not isinstance(password, str) or not password or not passwords.verify_password(user.password_hash, password):
            raise ValidationError(gettext("Enter your current password to delete your account."), "password")
    elif not isinstance(confirmation, str) or confirmation.strip() != CONFIRMATION_WORD:
        raise ValidationError(gettext("Type {word} to confirm.", word=CONFIRMATION_WORD), "confirmation")
    return _erase(s, user)


def _erase(s: Session, user: User) -> ErasureDone:
    user_id, old_email, now = saved_id(user), user.email, utcnow()
    pseudonym = pseudonym_email()
    shop = s.exec(select(Shop).where(Shop.owner_id == user_id)).first()

    # Every way back in: sessions end, links and tokens go.
    s.exec(
        update(AuthSession)
        .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    s.exec(delete(PasswordResetToken).where(col(PasswordResetToken.user_id) == user_id))
    s.exec(delete(RegistrationToken).where(col(RegistrationToken.email) == old_email))
    s.exec(delete(OrderAccessLink).where(col(OrderAccessLink.user_id) == user_id))
    s.exec(delete(EmailChangeToken).where(col(EmailChangeToken.user_id) == user_id))

    # Second factors, security activity and every sign-in in progress.
    for factor in (TotpFactor, RecoveryCode, Passkey, PendingSignIn, WebAuthnChallenge, SecurityEvent):
        s.exec(delete(factor).where(col(factor.user_id) == user_id))
    s.exec(
        update(AuthSession)
        .where(col(AuthSession.user_id) == user_id)
        .values(ip=None, device="")
        .execution_options(synchronize_session=False)
    )

    # What only concerned them: notices, preferences, the cart, library marks.
    for table in (Notification, UserPreference, PushSubscription, FeatureFlagAccount, LibrarySeen, LibraryState):
        s.exec(delete(table).where(col(table.user_id) == user_id))
    cart_ids = list(s.exec(select(Cart.id).where(Cart.user_id == user_id)))
    if cart_ids:
        s.exec(delete(CartItem).where(col(CartItem.cart_id).in_(cart_ids)))
        s.exec(delete(Cart).where(col(Cart.id).in_(cart_ids)))

    # Download logs keep what enforces limits and counts sales, not where the person was.
    s.exec(update(DownloadEvent).where(col(DownloadEvent.buyer_id) == user_id).values(ip_prefix="", user_agent=""))
    # Orders stay for the books, addressed to the pseudonym.
    s.exec(update(Order).where(col(Order.buyer_id) == user_id).values(email=pseudonym))
    # Failed jobs that quoted the address (an email's arguments). The audit record is
    # append-only (a database trigger) and names people by account id, not email.
    s.exec(
        update(FailedJob)
        .where(col(FailedJob.args_json).contains(old_email))
        .values(args_json=func.replace(col(FailedJob.args_json), old_email, pseudonym))
        .execution_options(synchronize_session=False)
    )

    shop_closed = False
    if shop is not None:
        _close_shop(s, shop, now)
        shop_closed = True

    # Earlier exports are personal data too.
    delete_export_files(s, user_id)

    user.email = pseudonym
    user.display_name = FORMER_BUYER  # how their reviews are signed from now on
    user.password_hash = NO_PASSWORD
    user.sms_number = None
    user.erased_at = now
    s.add(user)
    request = PrivacyRequest(
        user_id=user_id,
        kind=PrivacyRequestKind.ERASURE,
        status=PrivacyRequestStatus.DONE,
        requested_at=now,
        completed_at=now,
    )
    s.add(request)
    s.flush()
    s.expire_all()  # the bulk updates above changed rows the session may hold
    log.info("account %s erased", user_id)
    return ErasureDone(request_id=saved_id(request), shop_closed=shop_closed)


def _close_shop(s: Session, shop: Shop, now) -> None:
    """The shop stops selling (its products are archived and leave search) and stops
    showing its owner's words; buyers' fulfilments, files and keys are untouched, so
    every purchase stays in its buyer's library."""
    s.exec(
        update(Product)
        .where(col(Product.shop_id) == shop.id, col(Product.status) != ProductStatus.ARCHIVED)
        .values(status=ProductStatus.ARCHIVED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    # Its API keys stop working with the account.
    s.exec(
        update(ApiKey)
        .where(col(ApiKey.shop_id) == shop.id, col(ApiKey.revoked_at).is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    shop.name = "Closed shop"
    shop.bio = ""
    shop.slug = f"closed-{saved_id(shop)}"
    s.add(shop)
    s.flush()
    mark_shop_products_dirty(s, saved_id(shop))
