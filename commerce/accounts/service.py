"""Accounts: registration, sign-in sessions, passwords and becoming a seller.

Every function takes the Session first and never commits (the caller's unit of work
does). Tokens are random, handed to the caller once and stored only as SHA-256.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import update
from sqlmodel import Session, col, select

from commerce import i18n, ratelimit
from commerce.accounts import devices, factors, passwords
from commerce.accounts.activity import Client, record
from commerce.accounts.step_up import require_recent_second_factor
from commerce.actor import Actor, require_signed_in
from commerce.config import get_settings
from commerce.errors import Conflict, DomainError, NotFound, PermissionDenied, RateLimited, ValidationError
from commerce.i18n import gettext
from commerce.kit.email import normalise_email
from commerce.kit.time import utcnow
from commerce.kit.unicode_text import shown_text_problem
from commerce.links import ACCOUNT_PATH, LOGIN_PATH, PASSWORD_RESET_PATH, absolute, password_reset_url, unlock_url
from commerce.models import (
    AuthSession,
    EmailChangeToken,
    PasswordResetToken,
    PendingSignIn,
    RegistrationToken,
    SecurityEventKind,
    Shop,
    User,
    UserRole,
    saved_id,
)
from commerce.notifications.tasks import enqueue_email
from commerce.observability import logs

SESSION_REFRESH_AFTER = timedelta(days=1)
# A tab that still holds the token replaced a moment ago is not a thief.
ROTATION_GRACE = timedelta(minutes=2)
RESET_TOKEN_LIFETIME = timedelta(hours=1)
# A password accepted for an account with a second factor waits this long for it.
SECOND_FACTOR_WAIT = timedelta(minutes=10)
# Reset emails to one address per hour, asked for by anyone: enough for a person who lost
# one, too few to flood an inbox with.
RESET_EMAILS_PER_HOUR = 3
LOGIN_WINDOW_SECONDS = 15 * 60
# Unknown clients (no device cookie for the account) together, per account:
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
# A browser holding the account's device cookie, on its own (accounts/devices.py):
MAX_FAILURES_PER_DEVICE = 5
# Unknown clients that reach a limit are locked out of it for a period that doubles with
# each lockout within a day: 15 minutes, 30, an hour... up to a day.
MAX_LOCK_SECONDS = 24 * 60 * 60
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
    # The language the person chose, "" when they never did (pages follow the browser).
    language: str = ""


@dataclass(frozen=True)
class SessionGrant:
    user: UserView
    token: str
    expires_at: datetime

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user.id, role=self.user.role, shop_id=self.user.shop_id)


@dataclass(frozen=True)
class SecondFactorNeeded:
    """The password was right and the account has a second factor: the browser keeps
    `token` (an HttpOnly cookie) and gives the second factor within ten minutes."""

    token: str
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tell_address_owner(s: Session, owner: User, kind: str) -> None:
    """Email the owner of an address someone else tried to use (a sign-up, a change of email)
    with the ways into their own account, instead of telling the asker the address is taken."""
    base_url = get_settings().base_url
    enqueue_email(
        s,
        to=owner.email,
        kind=kind,
        display_name=owner.display_name,
        sign_in_url=absolute(base_url, LOGIN_PATH),
        reset_url=absolute(base_url, PASSWORD_RESET_PATH),
    )


LinkTokenRow = TypeVar("LinkTokenRow", PasswordResetToken, RegistrationToken, EmailChangeToken)


def use_link_token(s: Session, table: type[LinkTokenRow], token: object, invalid: DomainError) -> LinkTokenRow:
    """The row an emailed link's token names, marked used now; raises `invalid` when the
    token is malformed, unknown, expired or used, and when a request opening the same link
    at the same moment used it first (one conditional UPDATE decides)."""
    if not isinstance(token, str) or not token or len(token) > 200:
        raise invalid
    row = s.exec(select(table).where(col(table.token_hash) == _token_hash(token))).first()
    now = utcnow()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise invalid
    used = s.exec(
        update(table)
        .where(col(table.id) == row.id, col(table.used_at).is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise invalid
    return row


def _user_view(s: Session, user: User) -> UserView:
    shop = s.exec(select(Shop).where(Shop.owner_id == user.id)).first()
    return UserView(
        id=saved_id(user),
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        shop_id=shop.id if shop else None,
        shop_slug=shop.slug if shop else None,
        language=user.language or "",
    )


def _start_session(
    s: Session,
    user: User,
    family_id: str | None = None,
    *,
    client: Client | None = None,
    second_factor_at: datetime | None = None,
    previous: AuthSession | None = None,
) -> SessionGrant:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=get_settings().session_days)
    s.add(
        AuthSession(
            user_id=saved_id(user),
            token_hash=_token_hash(token),
            family_id=family_id or secrets.token_hex(16),
            expires_at=expires_at,
            # A rotated token keeps its session's device and last second factor.
            second_factor_at=previous.second_factor_at if previous else second_factor_at,
            device=previous.device if previous else (client.device[:120] if client and client.user_agent else ""),
            ip=previous.ip if previous else (client.ip if client else None),
        )
    )
    s.flush()
    return SessionGrant(user=_user_view(s, user), token=token, expires_at=expires_at)


def signed_in(
    s: Session,
    user: User,
    *,
    client: Client | None,
    known_device: bool,
    second_factor: bool,
    kind: SecurityEventKind = SecurityEventKind.SIGNED_IN,
    detail: str = "",
) -> SessionGrant:
    """Start the session of a completed sign-in: its activity row, and an email to the
    owner when the browser had not signed in to the account before."""
    grant = _start_session(s, user, client=client, second_factor_at=utcnow() if second_factor else None)
    record(s, saved_id(user), kind, client, detail=detail)
    if not known_device:
        client = client or Client()
        enqueue_email(
            s,
            to=user.email,
            kind="new_device_sign_in",
            display_name=user.display_name,
            device=client.device if client.user_agent else "Unknown device",
            ip=client.ip,
            when=utcnow().strftime("%d %b %Y %H:%M UTC"),
            account_url=absolute(get_settings().base_url, ACCOUNT_PATH),
        )
    return grant


def _clean_shown_name(text: str, *, low: int, what: str, field: str) -> str:
    """A name others see: NFC, single spaces, 80 characters at most, no control or
    direction-reversing characters, and something visible."""
    if not isinstance(text, str) or len(text) > 1000:
        raise ValidationError(f"Enter {what} of {low} to 80 characters.", field)
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not low <= len(name) <= 80:
        raise ValidationError(f"Enter {what} of {low} to 80 characters.", field)
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise ValidationError(f"The {what.removeprefix('a ')} contains invisible control characters.", field)
    if problem := shown_text_problem(name):
        raise ValidationError(f"The {what.removeprefix('a ')} {problem}.", field)
    return name


def _clean_display_name(display_name: str) -> str:
    return _clean_shown_name(display_name, low=1, what="a display name", field="display_name")


def create_account(s: Session, *, email: str, password: str, display_name: str, client_id: str) -> SessionGrant:
    """Create a buyer account at once and sign it in (the sign-up link, demo data, tests).

    The sign-up form goes through `registration.register`, which answers the same
    whether or not the email has an account and creates it only from the email's link.
    """
    email = normalise_email(email)
    name = _clean_display_name(display_name)
    passwords.check_strength(password, email=email)
    user = _create_user(s, email=email, display_name=name, password_hash=passwords.hash_password(password))
    return _start_session(s, user)


def _create_user(s: Session, *, email: str, display_name: str, password_hash: str) -> User:
    if s.exec(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict(gettext("An account with this email already exists. Sign in instead."))
    user = User(email=email, display_name=display_name, password_hash=password_hash)
    s.add(user)
    s.flush()
    return user


def login(
    s: Session,
    *,
    email: str,
    password: str,
    client_id: str,
    device_cookie: str | None = None,
    user_agent: str = "",
) -> SessionGrant | SecondFactorNeeded:
    """Check the password and start a session (storefront/api_session.py sets its cookie),
    or, for an account with a second factor, a sign-in waiting for it (accounts/sign_in.py)."""
    user = authenticate(s, email=email, password=password, client_id=client_id, device_cookie=device_cookie)
    client = Client(ip=client_id, user_agent=user_agent)
    if factors.has_second_factor(s, saved_id(user)):
        token = secrets.token_urlsafe(32)
        expires_at = utcnow() + SECOND_FACTOR_WAIT
        s.add(PendingSignIn(token_hash=_token_hash(token), user_id=saved_id(user), expires_at=expires_at))
        s.flush()
        return SecondFactorNeeded(token=token, expires_at=expires_at)
    known = devices.device_for(device_cookie, user.email) is not None
    return signed_in(s, user, client=client, known_device=known, second_factor=False)


def record_failed_sign_in(s: Session, *, email: str, client: Client) -> None:
    """A refused password, in the account's activity (in its own unit of work: the refusal's rolls back)."""
    try:
        email = normalise_email(email)
    except ValidationError:
        return
    user_id = s.exec(select(User.id).where(User.email == email)).first()
    if user_id is not None:
        record(s, user_id, SecurityEventKind.SIGN_IN_FAILED, client)


def authenticate(s: Session, *, email: str, password: str, client_id: str, device_cookie: str | None = None) -> User:
    """The account these credentials open, within the attempt limits; raises otherwise.

    A browser with the account's device cookie is limited on its own, so guesses from
    elsewhere never lock the owner out; unknown clients share a per-account limit (its
    owner is emailed an unlock link when they reach it) and each has a per-client one.
    """
    counter = ratelimit.attempt_counter()
    try:
        email = normalise_email(email)
    except ValidationError:
        raise ValidationError(gettext("Email or password is incorrect.")) from None
    device = devices.device_for(device_cookie, email)
    # Each attempt is counted before the password is checked (atomically against the
    # limit), so parallel guesses cannot all pass a count read before any failure lands.
    limited = RateLimited(gettext("Too many failed sign-in attempts. Wait 15 minutes or reset your password."))
    if device is not None:
        account_key, client_key = f"login:device:{device.nonce}", ""
        if not counter.reserve(account_key, MAX_FAILURES_PER_DEVICE, LOGIN_WINDOW_SECONDS):
            raise limited
    else:
        account_key, client_key = f"login:account:{email}", f"login:client:{client_id}"
        if not _reserve_growing(counter, account_key, MAX_FAILURES_PER_ACCOUNT):
            _offer_unlock(s, counter, email)
            raise RateLimited(
                gettext(
                    "Too many failed sign-in attempts on this account from new devices. We have emailed its "
                    "owner a link to sign in from this device; or try again later."
                )
            )
        if not _reserve_growing(counter, client_key, MAX_FAILURES_PER_CLIENT):
            counter.release(account_key)
            raise RateLimited(gettext("Too many failed sign-in attempts. Try again later or reset your password."))

    user = s.exec(select(User).where(User.email == email)).first()
    # An unknown email costs a hash too, so the time taken tells nothing about which emails exist.
    verified = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not verified:
        raise ValidationError(gettext("Email or password is incorrect."))  # the reservations stay as the failures
    if client_key:
        counter.release(client_key)
    counter.reset(account_key)
    if user.suspended_at is not None:
        raise PermissionDenied(gettext("This account is suspended. Contact support if you think this is a mistake."))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        s.add(user)
    return user


def _reserve_growing(counter: ratelimit.AttemptCounter, key: str, limit: int) -> bool:
    """Reserve an attempt on `key` (an unknown client's account or client limit). Reaching the
    limit locks the key for LOGIN_WINDOW_SECONDS, doubled for each earlier lockout of the
    key within a day (at most a day), so a patient guesser gets ever fewer tries."""
    lock = f"{key}:lock"
    if counter.count(lock):
        return False
    if counter.reserve(key, limit, LOGIN_WINDOW_SECONDS):
        return True
    lockouts = f"{key}:lockouts"
    period = min(LOGIN_WINDOW_SECONDS * 2 ** counter.count(lockouts), MAX_LOCK_SECONDS)
    # One lockout however many refused attempts arrive together: only the first sets the lock.
    if counter.reserve(lock, 1, period):
        counter.record(lockouts, MAX_LOCK_SECONDS)
    return False


def _offer_unlock(s: Session, counter: ratelimit.AttemptCounter, email: str) -> None:
    """Unknown clients are locked out of this account: email its owner, once per window,
    a link that makes the device it is opened on known to the account."""
    user = s.exec(select(User).where(User.email == email)).first()
    if user is None or not counter.reserve(f"login:unlock-mail:{email}", 1, LOGIN_WINDOW_SECONDS):
        return
    enqueue_email(
        s,
        to=user.email,
        kind="sign_in_unlock",
        display_name=user.display_name,
        unlock_url=absolute(get_settings().base_url, unlock_url(devices.unlock_token(user.email))),
        window_minutes=LOGIN_WINDOW_SECONDS // 60,
    )


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
    # The request's or event's log lines name who it is, as a pseudonym.
    logs.bind_user(user.id)
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
        return _start_session(s, user, family_id=session.family_id, previous=session)
    return SessionGrant(user=_user_view(s, user), token=token, expires_at=session.expires_at)


@dataclass(frozen=True)
class SocketSession:
    """Who a page's websocket belongs to, from the cookie its handshake carried."""

    user: UserView
    token_hash: str
    # The session is due for a new token: the page sends the browser through
    # /api/session/refresh, whose HTTP response can set the HttpOnly cookie.
    refresh_due: bool
    # The session's family id (kept across rotations): the actor's `session_id`.
    session_id: str = ""
    # Whether the account has a second factor; an administrator without one acts as a buyer
    # (the admin console sends them to set one up).
    second_factor: bool = False

    @property
    def admin_without_second_factor(self) -> bool:
        return self.user.role == UserRole.ADMIN and not self.second_factor

    @property
    def actor(self) -> Actor:
        role = UserRole.BUYER if self.admin_without_second_factor else self.user.role
        return Actor(user_id=self.user.id, role=role, shop_id=self.user.shop_id, session_id=self.session_id or None)


def socket_session(s: Session, token: str | None, *, seen_token_hash: str = "") -> SocketSession | None:
    """The signed-in user for the cookie a websocket was opened with, never rotating it.

    A websocket keeps the cookie of its handshake for as long as it lives, so after the
    token is rotated (by this tab's or another tab's refresh) an open page still presents
    the old one. That is accepted while the session's family is alive when this page had
    already resolved that very token (`seen_token_hash`); a replaced token arriving on a
    new connection after the grace period is a copied one, and revokes the family.
    """
    if not token or len(token) > 200:
        return None
    token_hash = _token_hash(token)
    session = s.exec(select(AuthSession).where(AuthSession.token_hash == token_hash)).first()
    now = utcnow()
    if session is None or session.revoked_at is not None or session.expires_at <= now:
        return None
    user = s.get(User, session.user_id)
    if user is None or user.suspended_at is not None:
        return None
    # The request's or event's log lines name who it is, as a pseudonym.
    logs.bind_user(user.id)
    if session.replaced_at is not None:
        if now - session.replaced_at > ROTATION_GRACE and seen_token_hash != token_hash:
            _revoke_family(s, session.family_id, now)
            return None
        successor = s.exec(
            select(AuthSession.id).where(
                AuthSession.family_id == session.family_id,
                col(AuthSession.replaced_at).is_(None),
                col(AuthSession.revoked_at).is_(None),
                AuthSession.expires_at > now,
            )
        ).first()
        if successor is None:
            return None
        return SocketSession(
            user=_user_view(s, user),
            token_hash=token_hash,
            refresh_due=False,
            session_id=session.family_id,
            second_factor=factors.has_second_factor(s, saved_id(user)),
        )
    return SocketSession(
        user=_user_view(s, user),
        token_hash=token_hash,
        refresh_due=now - session.created_at >= SESSION_REFRESH_AFTER,
        session_id=session.family_id,
        second_factor=factors.has_second_factor(s, saved_id(user)),
    )


def session_user_id(s: Session, token: str | None) -> int | None:
    """Who a session token belongs to, without refreshing or revoking anything.

    For plain HTTP routes (downloads) that cannot hand the browser a new cookie:
    a refresh there would leave the browser holding a replaced token.
    """
    found = session_identity(s, token)
    return found[0] if found else None


def session_actor(s: Session, token: str | None) -> Actor | None:
    """Who a live session token acts as, read as `session_user_id` reads it (nothing refreshed),
    with the role its pages give it (`SessionGrant.actor`): for a page's document, painted
    before the page's own session check runs."""
    found = session_identity(s, token)
    if found is None:
        return None
    user_id, family_id = found
    user = get_user(s, Actor(user_id=user_id, role=UserRole.BUYER))
    admin_without_second_factor = user.role == UserRole.ADMIN and not factors.has_second_factor(s, user_id)
    role = UserRole.BUYER if admin_without_second_factor else user.role
    return Actor(user_id=user.id, role=role, shop_id=user.shop_id, session_id=family_id)


def session_identity(s: Session, token: str | None) -> tuple[int, str] | None:
    """The user and session family (kept across rotations) of a live session token, as
    `session_user_id` reads it; for links bound to one browser's session (online viewing)."""
    if not token or len(token) > 200:
        return None
    # The session and its user in one query: every download and page head asks this.
    found = s.exec(
        select(AuthSession, User)
        .join(User, col(User.id) == col(AuthSession.user_id))
        .where(AuthSession.token_hash == _token_hash(token))
    ).first()
    if found is None:
        return None
    session, user = found
    now = utcnow()
    if session.revoked_at is not None or session.expires_at <= now or user.suspended_at is not None:
        return None
    if session.replaced_at is not None and now - session.replaced_at > ROTATION_GRACE:
        return None  # a replaced token past its grace period is a copied one
    logs.bind_user(user.id)
    return saved_id(user), session.family_id


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


def logout_everywhere(s: Session, actor: Actor, client: Client | None = None) -> None:
    user_id = require_signed_in(actor)
    _revoke_all_sessions(s, user_id)
    record(s, user_id, SecurityEventKind.SIGNED_OUT_EVERYWHERE, client)


def _revoke_all_sessions(s: Session, user_id: int) -> None:
    now = utcnow()
    for row in s.exec(select(AuthSession).where(AuthSession.user_id == user_id, col(AuthSession.revoked_at).is_(None))):
        row.revoked_at = now
        s.add(row)


def change_password(
    s: Session, actor: Actor, *, current_password: str, new_password: str, client: Client | None = None
) -> None:
    user = s.get(User, require_signed_in(actor))
    if user is None:
        raise NotFound(gettext("This account no longer exists."))
    require_recent_second_factor(s, actor)
    if not passwords.verify_password(user.password_hash, current_password):
        raise ValidationError(gettext("Your current password is incorrect."), "current_password")
    passwords.check_strength(new_password, email=user.email)
    user.password_hash = passwords.hash_password(new_password)
    s.add(user)
    record(s, saved_id(user), SecurityEventKind.PASSWORD_CHANGED, client)


def request_password_reset(s: Session, *, email: str) -> None:
    """Email a reset link if the account exists; say nothing either way."""
    try:
        email = normalise_email(email)
    except ValidationError:
        return
    # Counted for unknown addresses too, so the limit tells nothing about who has an account.
    if not ratelimit.attempt_counter().reserve(f"mail:reset:{email}", RESET_EMAILS_PER_HOUR, 3600):
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
    invalid = ValidationError(gettext("This reset link is invalid or has expired. Request a new one."))
    # A weak password refused below rolls the unit of work back: the link still works.
    row = use_link_token(s, PasswordResetToken, token, invalid)
    user = s.get_one(User, row.user_id)
    passwords.check_strength(new_password, email=user.email)
    user.password_hash = passwords.hash_password(new_password)
    s.add(user)
    # Whoever knew the old password is signed out too.
    _revoke_all_sessions(s, saved_id(user))
    record(s, saved_id(user), SecurityEventKind.PASSWORD_RESET)


def create_shop(s: Session, actor: Actor, *, name: str, slug: str) -> UserView:
    """Turn a signed-in user into a seller with a shop under a unique slug."""
    user = s.get_one(User, require_signed_in(actor))
    if s.exec(select(Shop.id).where(Shop.owner_id == user.id)).first() is not None:
        raise Conflict(gettext("You already have a shop."))
    slug = (slug or "").strip().lower()
    if not SHOP_SLUG.match(slug) or "--" in slug:
        raise ValidationError(
            gettext("Use 3 to 40 lower-case letters, digits and single dashes for the shop address."), "slug"
        )
    if slug in RESERVED_SHOP_SLUGS:
        raise ValidationError(gettext("That shop address is reserved; choose another."), "slug")
    shop_name = _clean_shown_name(name or "", low=2, what="a shop name", field="name")
    if s.exec(select(Shop.id).where(Shop.slug == slug)).first() is not None:
        raise Conflict(gettext("That shop address is taken; choose another."))
    s.add(Shop(owner_id=saved_id(user), slug=slug, name=shop_name))
    if user.role == UserRole.BUYER:
        user.role = UserRole.SELLER
        s.add(user)
    s.flush()
    return _user_view(s, user)


def get_user(s: Session, actor: Actor) -> UserView:
    user = s.get(User, require_signed_in(actor))
    if user is None:
        raise NotFound(gettext("This account no longer exists."))
    return _user_view(s, user)


def set_language(s: Session, actor: Actor, language: str) -> None:
    """Remember the language the person chose: their pages open in it and their emails use it."""
    chosen = i18n.supported(language)
    if chosen is None:
        raise ValidationError(i18n.gettext("This language is not available."), field="language")
    user = s.get(User, require_signed_in(actor))
    if user is None:
        raise NotFound(i18n.gettext("This account no longer exists."))
    user.language = i18n.Language(chosen)
    s.add(user)
