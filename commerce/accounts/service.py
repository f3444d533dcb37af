"""Accounts: registration, sign-in sessions, passwords and becoming a seller.

Every function takes the Session first and never commits (the caller's unit of work
does). Tokens are random, handed to the caller once and stored only as SHA-256.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from commerce import ratelimit
from commerce.accounts import passwords
from commerce.actor import Actor, require_signed_in
from commerce.config import get_settings
from commerce.errors import Conflict, NotFound, PermissionDenied, RateLimited, ValidationError
from commerce.kit.email import normalise_email
from commerce.kit.time import utcnow
from commerce.links import absolute, password_reset_url
from commerce.models import AuthSession, PasswordResetToken, Shop, User, UserRole, saved_id
from commerce.notifications.tasks import enqueue_email

SESSION_REFRESH_AFTER = timedelta(days=1)
# A tab that still holds the token replaced a moment ago is not a thief.
ROTATION_GRACE = timedelta(minutes=2)
RESET_TOKEN_LIFETIME = timedelta(hours=1)
LOGIN_WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
SHOP_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$")
RESERVED_SHOP_SLUGS = frozenset(
    {
        "admin",
        "api",
        "seller",
        "studio",
        "library",
        "account",
        "login",
        "register",
        "search",
        "cart",
        "checkout",
        "help",
        "support",
        "static",
        "assets",
        "p",
        "s",
        "c",
        "shop",
        "shops",
    }
)


@dataclass(frozen=True)
class UserView:
    id: int
    email: str
    display_name: str
    role: UserRole
    shop_id: int | None
    shop_slug: str | None


@dataclass(frozen=True)
class SessionGrant:
    user: UserView
    token: str
    expires_at: datetime

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user.id, role=self.user.role, shop_id=self.user.shop_id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user_view(s: Session, user: User) -> UserView:
    shop = s.exec(select(Shop).where(Shop.owner_id == user.id)).first()
    return UserView(
        id=saved_id(user),
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        shop_id=shop.id if shop else None,
        shop_slug=shop.slug if shop else None,
    )


def _start_session(s: Session, user: User, family_id: str | None = None) -> SessionGrant:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=get_settings().session_days)
    s.add(
        AuthSession(
            user_id=saved_id(user),
            token_hash=_token_hash(token),
            family_id=family_id or secrets.token_hex(16),
            expires_at=expires_at,
        )
    )
    s.flush()
    return SessionGrant(user=_user_view(s, user), token=token, expires_at=expires_at)


def _clean_display_name(display_name: str) -> str:
    name = " ".join((display_name or "").split())
    if not 1 <= len(name) <= 80:
        raise ValidationError("Enter a display name of 1 to 80 characters.", "display_name")
    return name


def register(s: Session, *, email: str, password: str, display_name: str, client_id: str) -> SessionGrant:
    """Create a buyer account and sign it in."""
    email = normalise_email(email)
    name = _clean_display_name(display_name)
    passwords.check_strength(password, email=email)
    if s.exec(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict("An account with this email already exists. Sign in instead.")
    user = User(email=email, display_name=name, password_hash=passwords.hash_password(password))
    s.add(user)
    s.flush()
    return _start_session(s, user)


def login(s: Session, *, email: str, password: str, client_id: str) -> SessionGrant:
    counter = ratelimit.attempt_counter()
    try:
        email = normalise_email(email)
    except ValidationError:
        raise ValidationError("Email or password is incorrect.") from None
    account_key, client_key = f"login:account:{email}", f"login:client:{client_id}"
    # Each attempt is counted before the password is checked (atomically against the
    # limit), so parallel guesses cannot all pass a count read before any failure lands.
    limited = RateLimited("Too many failed sign-in attempts. Wait 15 minutes or reset your password.")
    if not counter.reserve(account_key, MAX_FAILURES_PER_ACCOUNT, LOGIN_WINDOW_SECONDS):
        raise limited
    if not counter.reserve(client_key, MAX_FAILURES_PER_CLIENT, LOGIN_WINDOW_SECONDS):
        counter.release(account_key)
        raise limited

    user = s.exec(select(User).where(User.email == email)).first()
    # An unknown email costs a hash too, so the time taken tells nothing about which emails exist.
    verified = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not verified:
        raise ValidationError("Email or password is incorrect.")  # the reservations stay as the failures
    counter.release(client_key)
    counter.reset(account_key)
    if user.suspended_at is not None:
        raise PermissionDenied("This account is suspended. Contact support if you think this is a mistake.")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        s.add(user)
    return _start_session(s, user)


def resume_session(s: Session, token: str) -> SessionGrant | None:
    """The signed-in user for a session token, or None.

    A session older than a day is refreshed: the caller gets a new token and must
    store it. Reuse of a replaced token after the grace period revokes the family.
    """
    if not token or len(token) > 200:
        return None
    session = s.exec(select(AuthSession).where(AuthSession.token_hash == _token_hash(token))).first()
    now = utcnow()
    if session is None or session.revoked_at is not None or session.expires_at <= now:
        return None
    user = s.get(User, session.user_id)
    if user is None or user.suspended_at is not None:
        return None
    if session.replaced_at is not None:
        if now - session.replaced_at > ROTATION_GRACE:
            _revoke_family(s, session.family_id, now)
            return None
        successor = s.exec(
            select(AuthSession).where(
                AuthSession.family_id == session.family_id,
                col(AuthSession.replaced_at).is_(None),
                col(AuthSession.revoked_at).is_(None),
            )
        ).first()
        if successor is None:
            return None
        # Within the grace period the old tab keeps working but gets no token of its own.
        return SessionGrant(user=_user_view(s, user), token=token, expires_at=successor.expires_at)
    if now - session.created_at >= SESSION_REFRESH_AFTER:
        session.replaced_at = now
        s.add(session)
        return _start_session(s, user, family_id=session.family_id)
    return SessionGrant(user=_user_view(s, user), token=token, expires_at=session.expires_at)


def session_user_id(s: Session, token: str | None) -> int | None:
    """Who a session token belongs to, without refreshing or revoking anything.

    For plain HTTP routes (downloads) that cannot hand the browser a new cookie:
    a refresh there would leave the browser holding a replaced token.
    """
    if not token or len(token) > 200:
        return None
    session = s.exec(select(AuthSession).where(AuthSession.token_hash == _token_hash(token))).first()
    now = utcnow()
    if session is None or session.revoked_at is not None or session.expires_at <= now:
        return None
    if session.replaced_at is not None and now - session.replaced_at > ROTATION_GRACE:
        return None  # a replaced token past its grace period is a copied one
    user = s.get(User, session.user_id)
    return None if user is None or user.suspended_at is not None else user.id


def _revoke_family(s: Session, family_id: str, now: datetime) -> None:
    for row in s.exec(
        select(AuthSession).where(AuthSession.family_id == family_id, col(AuthSession.revoked_at).is_(None))
    ):
        row.revoked_at = now
        s.add(row)


def logout(s: Session, token: str) -> None:
    session = s.exec(select(AuthSession).where(AuthSession.token_hash == _token_hash(token or ""))).first()
    if session is not None:
        _revoke_family(s, session.family_id, utcnow())


def logout_everywhere(s: Session, actor: Actor) -> None:
    _revoke_all_sessions(s, require_signed_in(actor))


def _revoke_all_sessions(s: Session, user_id: int) -> None:
    now = utcnow()
    for row in s.exec(select(AuthSession).where(AuthSession.user_id == user_id, col(AuthSession.revoked_at).is_(None))):
        row.revoked_at = now
        s.add(row)


def change_password(s: Session, actor: Actor, *, current_password: str, new_password: str) -> None:
    user = s.get(User, require_signed_in(actor))
    if user is None:
        raise NotFound("This account no longer exists.")
    if not passwords.verify_password(user.password_hash, current_password):
        raise ValidationError("Your current password is incorrect.", "current_password")
    passwords.check_strength(new_password, email=user.email)
    user.password_hash = passwords.hash_password(new_password)
    s.add(user)


def request_password_reset(s: Session, *, email: str) -> None:
    """Email a reset link if the account exists; say nothing either way."""
    try:
        email = normalise_email(email)
    except ValidationError:
        return
    user = s.exec(select(User).where(User.email == email)).first()
    if user is None or user.suspended_at is not None:
        return
    token = secrets.token_urlsafe(32)
    s.add(
        PasswordResetToken(
            user_id=saved_id(user), token_hash=_token_hash(token), expires_at=utcnow() + RESET_TOKEN_LIFETIME
        )
    )
    s.flush()
    reset_url = absolute(get_settings().base_url, password_reset_url(token))
    enqueue_email(
        s,
        to=user.email,
        kind="password_reset",
        display_name=user.display_name,
        reset_url=reset_url,
        expires_minutes=int(RESET_TOKEN_LIFETIME.total_seconds() // 60),
    )


def reset_password(s: Session, *, token: str, new_password: str) -> None:
    row = s.exec(select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token or ""))).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise ValidationError("This reset link is invalid or has expired. Request a new one.")
    user = s.get_one(User, row.user_id)
    passwords.check_strength(new_password, email=user.email)
    user.password_hash = passwords.hash_password(new_password)
    row.used_at = utcnow()
    s.add_all([user, row])
    # Whoever knew the old password is signed out too.
    _revoke_all_sessions(s, saved_id(user))


def create_shop(s: Session, actor: Actor, *, name: str, slug: str) -> UserView:
    """Turn a signed-in user into a seller with a shop under a unique slug."""
    user = s.get_one(User, require_signed_in(actor))
    if s.exec(select(Shop.id).where(Shop.owner_id == user.id)).first() is not None:
        raise Conflict("You already have a shop.")
    slug = (slug or "").strip().lower()
    if not SHOP_SLUG.match(slug) or "--" in slug:
        raise ValidationError("Use 3 to 40 lower-case letters, digits and single dashes for the shop address.", "slug")
    if slug in RESERVED_SHOP_SLUGS:
        raise ValidationError("That shop address is reserved; choose another.", "slug")
    shop_name = " ".join((name or "").split())
    if not 2 <= len(shop_name) <= 80:
        raise ValidationError("Enter a shop name of 2 to 80 characters.", "name")
    if s.exec(select(Shop.id).where(Shop.slug == slug)).first() is not None:
        raise Conflict("That shop address is taken; choose another.")
    s.add(Shop(owner_id=saved_id(user), slug=slug, name=shop_name))
    if user.role == UserRole.BUYER:
        user.role = UserRole.SELLER
        s.add(user)
    s.flush()
    return _user_view(s, user)


def get_user(s: Session, actor: Actor) -> UserView:
    user = s.get(User, require_signed_in(actor))
    if user is None:
        raise NotFound("This account no longer exists.")
    return _user_view(s, user)
