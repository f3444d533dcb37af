"""The account's two-factor settings: the authenticator app, recovery codes and passkeys.

Every change asks for a recent second factor (`step_up`) once the account has one.
Turning on the first factor makes ten recovery codes, shown once; removing the last
factor removes them. Administrators must keep a second factor (the admin console
refuses them without one), so their last factor cannot be removed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from commerce.accounts import factors, passkeys
from commerce.accounts.activity import Client, record
from commerce.accounts.step_up import mark_second_factor, require_recent_second_factor
from commerce.actor import Actor, require_signed_in
from commerce.errors import Conflict, NotFound, PermissionDenied, ValidationError
from commerce.kit.time import utcnow
from commerce.models import Passkey, SecurityEventKind, TotpFactor, User, UserRole


@dataclass(frozen=True)
class PasskeyView:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class TwoFactorView:
    totp_on: bool
    passkeys: list[PasskeyView]
    recovery_codes_left: int
    # Administrators must have a second factor.
    required: bool

    @property
    def enabled(self) -> bool:
        return self.totp_on or bool(self.passkeys)


@dataclass(frozen=True)
class TotpSetup:
    secret: str
    uri: str
    qr_data_uri: str


def _user(s: Session, actor: Actor) -> User:
    user = s.get(User, require_signed_in(actor))
    if user is None:
        raise NotFound("This account no longer exists.")
    return user


def second_factor_status(s: Session, actor: Actor) -> TwoFactorView:
    user = _user(s, actor)
    user_id = int(user.id or 0)
    rows = s.exec(select(Passkey).where(Passkey.user_id == user_id).order_by(col(Passkey.created_at))).all()
    return TwoFactorView(
        totp_on=factors.totp_factor(s, user_id) is not None,
        passkeys=[
            PasskeyView(id=int(row.id or 0), name=row.name, created_at=row.created_at, last_used_at=row.last_used_at)
            for row in rows
        ],
        recovery_codes_left=factors.unused_recovery_codes(s, user_id),
        required=user.role == UserRole.ADMIN,
    )


def start_totp(s: Session, actor: Actor) -> TotpSetup:
    """A new secret for the authenticator app (not on until a first code confirms it)."""
    user = _user(s, actor)
    user_id = int(user.id or 0)
    require_recent_second_factor(s, actor)
    existing = s.get(TotpFactor, user_id)
    if existing is not None and existing.confirmed_at is not None:
        raise Conflict("The authenticator app is on already. Turn it off first to move it to another app.")
    secret = factors.new_totp_secret()
    if existing is None:
        existing = TotpFactor(user_id=user_id, secret_sealed=b"")
    existing.secret_sealed = factors.seal_secret(user_id, secret)
    existing.created_at, existing.last_step = utcnow(), 0
    s.add(existing)
    s.flush()
    uri = factors.provisioning_uri(secret, user.email)
    return TotpSetup(secret=secret, uri=uri, qr_data_uri=factors.qr_svg_data_uri(uri))


def confirm_totp(s: Session, actor: Actor, *, code: str, client: Client | None = None) -> list[str]:
    """Turn the app on with its first code; the new recovery codes when the account had none."""
    user = _user(s, actor)
    user_id = int(user.id or 0)
    require_recent_second_factor(s, actor)
    factor = s.get(TotpFactor, user_id)
    if factor is None or factor.confirmed_at is not None:
        raise ValidationError("Start again: scan a new code with your authenticator app.", "code")
    if not factors.accept_totp(factor, (code or "").replace(" ", "").strip()[:12]):
        raise ValidationError("That code is not right. Enter the 6-digit code your app shows now.", "code")
    factor.confirmed_at = utcnow()
    s.add(factor)
    record(s, user_id, SecurityEventKind.TOTP_ENABLED, client)
    mark_second_factor(s, actor)
    return _first_codes(s, user_id, client)


def _first_codes(s: Session, user_id: int, client: Client | None) -> list[str]:
    if factors.unused_recovery_codes(s, user_id) > 0:
        return []
    record(s, user_id, SecurityEventKind.RECOVERY_CODES_CREATED, client)
    return factors.replace_recovery_codes(s, user_id)


def _keep_one_for_admins(s: Session, user: User, *, removing_totp: bool, removing_passkeys: int) -> None:
    if user.role != UserRole.ADMIN:
        return
    user_id = int(user.id or 0)
    left = (0 if removing_totp else int(factors.totp_factor(s, user_id) is not None)) + (
        factors.passkey_count(s, user_id) - removing_passkeys
    )
    if left <= 0:
        raise PermissionDenied("Administrators must keep a second factor. Add another one before removing this one.")


def _after_removal(s: Session, user_id: int) -> None:
    if not factors.has_second_factor(s, user_id):
        factors.remove_recovery_codes(s, user_id)


def disable_totp(s: Session, actor: Actor, *, client: Client | None = None) -> None:
    user = _user(s, actor)
    user_id = int(user.id or 0)
    require_recent_second_factor(s, actor)
    factor = s.get(TotpFactor, user_id)
    if factor is None:
        raise NotFound("The authenticator app is not on.")
    if factor.confirmed_at is not None:
        _keep_one_for_admins(s, user, removing_totp=True, removing_passkeys=0)
        record(s, user_id, SecurityEventKind.TOTP_DISABLED, client)
    s.delete(factor)
    s.flush()
    _after_removal(s, user_id)


def regenerate_recovery_codes(s: Session, actor: Actor, *, client: Client | None = None) -> list[str]:
    user = _user(s, actor)
    user_id = int(user.id or 0)
    if not factors.has_second_factor(s, user_id):
        raise ValidationError("Turn on the authenticator app or add a passkey first.")
    require_recent_second_factor(s, actor)
    record(s, user_id, SecurityEventKind.RECOVERY_CODES_CREATED, client)
    return factors.replace_recovery_codes(s, user_id)


def passkey_registration_options(s: Session, actor: Actor) -> str:
    user = _user(s, actor)
    require_recent_second_factor(s, actor)
    return passkeys.registration_options(s, user)


def _passkey_name(name: str, client: Client | None) -> str:
    cleaned = " ".join(unicodedata.normalize("NFC", name or "").split())[:80]
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in cleaned):
        raise ValidationError("The passkey's name contains invisible characters.", "name")
    return cleaned or (client.device if client and client.user_agent else "Passkey")


def add_passkey(
    s: Session, actor: Actor, *, credential: str, name: str = "", client: Client | None = None
) -> list[str]:
    """Keep the browser's new passkey; the new recovery codes when the account had none."""
    user = _user(s, actor)
    user_id = int(user.id or 0)
    require_recent_second_factor(s, actor)
    passkey = passkeys.register(s, user, credential, name=_passkey_name(name, client))
    record(s, user_id, SecurityEventKind.PASSKEY_ADDED, client, detail=passkey.name)
    mark_second_factor(s, actor)
    return _first_codes(s, user_id, client)


def remove_passkey(s: Session, actor: Actor, passkey_id: int, *, client: Client | None = None) -> None:
    user = _user(s, actor)
    user_id = int(user.id or 0)
    require_recent_second_factor(s, actor)
    passkey = s.get(Passkey, passkey_id) if isinstance(passkey_id, int) else None
    if passkey is None or passkey.user_id != user_id:
        raise NotFound("That passkey is not on your account.")
    _keep_one_for_admins(s, user, removing_totp=False, removing_passkeys=1)
    record(s, user_id, SecurityEventKind.PASSKEY_REMOVED, client, detail=passkey.name)
    s.delete(passkey)
    s.flush()
    _after_removal(s, user_id)
