"""The receipt's "Access your purchase" link: one click from the email to the library.

`issue_access_link` makes a link when an order is paid (the receipt carries it).
`use_access_link` spends it; `delivery.access.redeem_access_link` (above both orders
and accounts) then signs the buyer in through `accounts.sign_in_by_claim`, and they
land on the product in the library (the library itself for several products).
A link works once, for `ACCESS_LINK_LIFETIME`, for the order's own address, while the
order still grants something (not after a full refund, a dispute or a cancellation).
Failed attempts are counted per client, and fresh links per order, so neither can be farmed.
Only the token's SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from commerce import ratelimit
from commerce.config import get_settings
from commerce.errors import PermissionDenied, RateLimited
from commerce.kit.time import utcnow
from commerce.links import LIBRARY_PATH, absolute, access_url, library_product_url
from commerce.models import Fulfilment, FulfilmentStatus, Order, OrderAccessLink, OrderStatus, saved_id
from commerce.notifications.tasks import enqueue_email

ACCESS_LINK_LIFETIME = timedelta(hours=1)
ATTEMPT_WINDOW_SECONDS = 15 * 60
MAX_ATTEMPTS_PER_CLIENT = 10
RESEND_WINDOW_SECONDS = 60 * 60
MAX_RESENDS_PER_ORDER = 3
# Orders that still grant their buyer something.
_GRANTING = frozenset({OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED})
_MAX_TOKEN_LENGTH = 200


class Refusal(StrEnum):
    INVALID = "invalid"
    USED = "used"
    EXPIRED = "expired"
    REFUNDED = "refunded"


_MESSAGES = {
    Refusal.INVALID: "This access link is not valid. Sign in to see your purchases.",
    Refusal.USED: "This access link has already been used. Sign in, or ask for a new link below.",
    Refusal.EXPIRED: "This access link has expired. Ask for a new one below, or sign in.",
    Refusal.REFUNDED: "This order was refunded or cancelled, so it no longer gives access to anything.",
}


class AccessLinkRefused(PermissionDenied):
    def __init__(self, reason: Refusal):
        super().__init__(_MESSAGES[reason])
        self.reason = reason

    @property
    def may_resend(self) -> bool:
        return self.reason in (Refusal.USED, Refusal.EXPIRED)


@dataclass(frozen=True)
class UsedAccessLink:
    """A link just used: whom to sign in (the account and the address it was sent to) and where to land."""

    user_id: int
    email: str
    order_reference: str
    landing_path: str  # always a local path


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_access_link(s: Session, order: Order) -> str:
    """A new one-time link (absolute URL) that signs the order's buyer in and opens the purchase."""
    token = secrets.token_urlsafe(32)
    s.add(
        OrderAccessLink(
            order_id=saved_id(order),
            user_id=order.buyer_id,
            email=order.email,
            token_hash=_hash(token),
            expires_at=utcnow() + ACCESS_LINK_LIFETIME,
        )
    )
    s.flush()
    return absolute(get_settings().base_url, access_url(token))


def _reserve_attempt(client_id: str) -> str:
    """Count an attempt before the link is looked at (atomically against the limit, so parallel
    guesses cannot slip past); a refusal keeps it counted, `_succeeded` gives it back."""
    key = f"access-link:client:{client_id or 'unknown'}"
    if not ratelimit.attempt_counter().reserve(key, MAX_ATTEMPTS_PER_CLIENT, ATTEMPT_WINDOW_SECONDS):
        raise RateLimited("Too many failed attempts with access links. Wait 15 minutes, or sign in.")
    return key


def _succeeded(key: str) -> None:
    ratelimit.attempt_counter().release(key)


def _find(s: Session, token: str) -> OrderAccessLink | None:
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    return s.exec(select(OrderAccessLink).where(OrderAccessLink.token_hash == _hash(token))).first()


def _check(s: Session, link: OrderAccessLink | None) -> Order:
    """The link's order if the link may still be used, else AccessLinkRefused."""
    if link is None:
        raise AccessLinkRefused(Refusal.INVALID)
    order = s.get_one(Order, link.order_id)
    if order.email != link.email or order.buyer_id != link.user_id:
        raise AccessLinkRefused(Refusal.INVALID)
    if order.status not in _GRANTING:
        raise AccessLinkRefused(Refusal.REFUNDED)
    if link.used_at is not None:
        raise AccessLinkRefused(Refusal.USED)
    if link.expires_at <= utcnow():
        raise AccessLinkRefused(Refusal.EXPIRED)
    return order


def check_access_link(s: Session, token: str, *, client_id: str) -> str:
    """Whether the link would work now (without using it); the order's reference if so."""
    key = _reserve_attempt(client_id)
    reference = _check(s, _find(s, token)).reference
    _succeeded(key)
    return reference


def landing_path(s: Session, order: Order) -> str:
    """The product in the library when the order granted one product, else the library."""
    products = s.exec(
        select(Fulfilment.product_id)
        .where(Fulfilment.order_id == order.id, Fulfilment.status == FulfilmentStatus.GRANTED)
        .order_by(col(Fulfilment.id))
    ).all()
    distinct = list(dict.fromkeys(products))
    return library_product_url(distinct[0]) if len(distinct) == 1 else LIBRARY_PATH


def use_access_link(s: Session, token: str, *, client_id: str) -> UsedAccessLink:
    """Use the link once (`delivery.access.redeem_access_link` then signs its buyer in)."""
    key = _reserve_attempt(client_id)
    link = _find(s, token)
    order = _check(s, link)
    assert link is not None  # _check refused a missing link
    now = utcnow()
    # Two clicks at once: only one conditional update wins.
    used = s.exec(
        update(OrderAccessLink)
        .where(col(OrderAccessLink.id) == link.id, col(OrderAccessLink.used_at).is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise AccessLinkRefused(Refusal.USED)
    s.refresh(link)
    _succeeded(key)
    return UsedAccessLink(
        user_id=link.user_id,
        email=link.email,
        order_reference=order.reference,
        landing_path=landing_path(s, order),
    )


def resend_access_link(s: Session, token: str, *, client_id: str) -> str:
    """A fresh link for the order a used or expired link belongs to, emailed to the order's
    address (never anywhere else); returns that address, partly hidden, to show."""
    attempt = _reserve_attempt(client_id)
    link = _find(s, token)
    if link is None:
        raise AccessLinkRefused(Refusal.INVALID)
    _succeeded(attempt)  # a real link: asking again is limited per order below
    order = s.get_one(Order, link.order_id)
    if order.status not in _GRANTING:
        raise AccessLinkRefused(Refusal.REFUNDED)
    if not ratelimit.attempt_counter().reserve(
        f"access-link:resend:{order.id}", MAX_RESENDS_PER_ORDER, RESEND_WINDOW_SECONDS
    ):
        raise RateLimited("A new link was sent a few times already. Check your inbox, or wait an hour.")
    url = issue_access_link(s, order)
    enqueue_email(
        s,
        to=order.email,
        kind="access_link",
        language=order.language,
        order_reference=order.reference,
        access_url=url,
        expires_minutes=int(ACCESS_LINK_LIFETIME.total_seconds() // 60),
    )
    return mask_email(order.email)


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"
