"""The second step of a sign-in, and signing in with a passkey alone.

After the password (`service.login`), an account with a second factor gets a pending
sign-in; the browser holds its token in an HttpOnly cookie and finishes here with a code
from the authenticator app, a recovery code or one of its passkeys. A passkey on its own
(with the authenticator's user verification, as every passkey here is used) is both
factors: it signs in directly. Either way the result is the same session a password
sign-in starts, set by the HTTP response of storefront/api_session.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from commerce.accounts import devices, factors, passkeys
from commerce.accounts.activity import Client, record
from commerce.accounts.service import SessionGrant, _token_hash, signed_in
from commerce.errors import PermissionDenied, ValidationError
from commerce.kit.time import utcnow
from commerce.models import ChallengePurpose, PendingSignIn, SecurityEventKind, User


class SignInExpired(ValidationError):
    def __init__(self) -> None:
        super().__init__("This sign-in has expired. Enter your email and password again.")


@dataclass(frozen=True)
class PendingView:
    """What the second-factor page offers."""

    totp: bool
    passkey: bool


def _pending(s: Session, token: str | None, *, lock: bool = False) -> tuple[PendingSignIn, User]:
    if not token or len(token) > 200:
        raise SignInExpired()
    query = select(PendingSignIn).where(PendingSignIn.token_hash == _token_hash(token))
    row = s.exec(query.with_for_update() if lock else query).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise SignInExpired()
    user = s.get(User, row.user_id)
    if user is None:
        raise SignInExpired()
    if user.suspended_at is not None:
        raise PermissionDenied("This account is suspended. Contact support if you think this is a mistake.")
    return row, user


def pending_sign_in(s: Session, token: str | None) -> PendingView:
    _, user = _pending(s, token)
    user_id = int(user.id or 0)
    return PendingView(totp=factors.totp_factor(s, user_id) is not None, passkey=factors.passkey_count(s, user_id) > 0)


def _limit_key(user: User, device_cookie: str | None) -> str:
    device = devices.device_for(device_cookie, user.email)
    return f"2fa:device:{device.nonce}" if device is not None else f"2fa:user:{user.id}"


def finish_with_code(
    s: Session, *, token: str | None, code: str, client: Client, device_cookie: str | None = None
) -> SessionGrant:
    """The pending sign-in's second step with a code from the app or a recovery code."""
    row, user = _pending(s, token, lock=True)
    checked = factors.check_code(s, user, code, limit_key=_limit_key(user, device_cookie))
    row.used_at = utcnow()
    s.add(row)
    known = devices.device_for(device_cookie, user.email) is not None
    if checked.recovery:
        left = checked.recovery_codes_left
        return signed_in(
            s,
            user,
            client=client,
            known_device=known,
            second_factor=True,
            kind=SecurityEventKind.RECOVERY_CODE_USED,
            detail=f"{left} left",
        )
    return signed_in(s, user, client=client, known_device=known, second_factor=True)


def record_failed_code(s: Session, *, token: str | None, client: Client) -> None:
    """A refused code, in the account's activity (its own unit of work; the refusal's rolls back)."""
    try:
        _, user = _pending(s, token)
    except (ValidationError, PermissionDenied):
        return
    record(s, int(user.id or 0), SecurityEventKind.SECOND_FACTOR_FAILED, client)


def second_factor_passkey_options(s: Session, token: str | None) -> str:
    _, user = _pending(s, token)
    return passkeys.authentication_options(s, ChallengePurpose.SECOND_FACTOR, int(user.id or 0))


def finish_with_passkey(
    s: Session, *, token: str | None, credential: str, client: Client, device_cookie: str | None = None
) -> SessionGrant:
    row, user = _pending(s, token, lock=True)
    used = passkeys.authenticate(s, credential, ChallengePurpose.SECOND_FACTOR, user_id=int(user.id or 0))
    row.used_at = utcnow()
    s.add(row)
    known = devices.device_for(device_cookie, user.email) is not None
    return signed_in(
        s, user, client=client, known_device=known, second_factor=True, detail=f"with passkey {used.passkey_name}"
    )


def passkey_sign_in_options(s: Session) -> str:
    """Options to sign in with any passkey made on this site (the browser offers its own)."""
    return passkeys.authentication_options(s, ChallengePurpose.SIGN_IN)


def sign_in_with_passkey(
    s: Session, *, credential: str, client: Client, device_cookie: str | None = None
) -> SessionGrant:
    """Sign in with a passkey alone (the browser's device cookie tells a new device)."""
    used = passkeys.authenticate(s, credential, ChallengePurpose.SIGN_IN)
    user = s.get(User, used.user_id)
    if user is None:
        raise passkeys.PasskeyRefused()
    if user.suspended_at is not None:
        raise PermissionDenied("This account is suspended. Contact support if you think this is a mistake.")
    known = devices.device_for(device_cookie, user.email) is not None
    return signed_in(
        s, user, client=client, known_device=known, second_factor=True, detail=f"with passkey {used.passkey_name}"
    )
