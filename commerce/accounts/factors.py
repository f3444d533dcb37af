"""Second factors: an authenticator app (TOTP, RFC 6238, with pyotp) and ten single-use
recovery codes; passkeys live in `passkeys.py`.

The app's secret is encrypted at rest (AES-256-GCM under the deployment's key, bound to
the user's id). A code is accepted once: the time step it belongs to is remembered, and
a code from that step or an earlier one is refused afterwards. Recovery codes are stored
as HMAC-SHA256 under a key derived from the same secret, so the table alone cannot be
checked against guesses; each works once. Guessing is limited per account (or, from a
browser that signed in to the account before, per device), counted before the check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from sqlmodel import Session, col, func, select

from commerce import ratelimit
from commerce.config import get_settings
from commerce.errors import RateLimited, ValidationError
from commerce.kit.time import utcnow
from commerce.license_keys.vault import configured_vault
from commerce.models import Passkey, RecoveryCode, TotpFactor, User

ISSUER = "Marketplace"
RECOVERY_CODE_COUNT = 10
TOTP_DIGITS = 6
TOTP_PERIOD = 30
# Codes from the step before and after the server's clock are accepted (clock drift).
TOTP_DRIFT_STEPS = 1
CODE_WINDOW_SECONDS = 15 * 60
MAX_CODE_FAILURES = 5
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_RECOVERY_SHAPE = re.compile(r"^[a-z0-9]{5}-?[a-z0-9]{5}$")


class CodeRefused(ValidationError):
    """A second-factor code that is wrong, already used or expired."""

    def __init__(self) -> None:
        super().__init__("That code is not right. Enter the current code from your app, or a recovery code.", "code")


def _associated_data(user_id: int) -> bytes:
    return f"totp-secret:user:{int(user_id)}".encode()


def seal_secret(user_id: int, secret: str) -> bytes:
    return configured_vault().encrypt(secret, _associated_data(user_id))


def open_secret(factor: TotpFactor) -> str:
    return configured_vault().decrypt(factor.secret_sealed, _associated_data(factor.user_id))


def totp_factor(s: Session, user_id: int, *, confirmed: bool = True) -> TotpFactor | None:
    factor = s.get(TotpFactor, user_id)
    if factor is None or (confirmed and factor.confirmed_at is None):
        return None
    return factor


def passkey_count(s: Session, user_id: int) -> int:
    return int(s.exec(select(func.count()).select_from(Passkey).where(Passkey.user_id == user_id)).one())


def has_second_factor(s: Session, user_id: int) -> bool:
    """An authenticator app confirmed or a passkey registered (recovery codes back those up)."""
    return totp_factor(s, user_id) is not None or passkey_count(s, user_id) > 0


def unused_recovery_codes(s: Session, user_id: int) -> int:
    return int(
        s.exec(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None))
        ).one()
    )


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg_data_uri(text: str) -> str:
    """The QR code of `text` as an SVG data: URL (rendered on the server; images allow data:)."""
    svg = segno.make(text, error="m").svg_inline(scale=5, border=2, dark="#0f172a", light="#ffffff")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _step(at: float) -> int:
    return int(at // TOTP_PERIOD)


def matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The time step whose code `code` is (within the allowed drift), or None."""
    if not re.fullmatch(rf"\d{{{TOTP_DIGITS}}}", code):
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD)
    current = _step(time.time() if now is None else now)
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def accept_totp(factor: TotpFactor, code: str, *, now: float | None = None) -> bool:
    """Whether `code` is a fresh code of this factor; if so, its step is spent."""
    step = matching_step(open_secret(factor), code, now=now)
    if step is None or step <= factor.last_step:
        return False
    factor.last_step = step
    return True


def _recovery_key(secret_key: str) -> bytes:
    return hashlib.sha256(b"recovery-codes:" + secret_key.encode()).digest()


def normalise_recovery_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def recovery_code_hash(code: str, *, secret_key: str | None = None) -> str:
    key = _recovery_key(get_settings().secret_key if secret_key is None else secret_key)
    return hmac.new(key, normalise_recovery_code(code).encode(), hashlib.sha256).hexdigest()


def recovery_code_hashes(code: str) -> list[str]:
    """The code's hash under SECRET_KEY and under each value it replaced (SECRET_KEY_PREVIOUS):
    codes made before a rotation keep working."""
    settings = get_settings()
    return [recovery_code_hash(code, secret_key=key) for key in (settings.secret_key, *settings.previous_secret_keys)]


def looks_like_recovery_code(code: str) -> bool:
    return bool(_RECOVERY_SHAPE.fullmatch((code or "").strip().lower()))


def replace_recovery_codes(s: Session, user_id: int) -> list[str]:
    """Ten new codes (shown once); the old ones stop working."""
    for old in s.exec(select(RecoveryCode).where(RecoveryCode.user_id == user_id)):
        s.delete(old)
    s.flush()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        s.add(RecoveryCode(user_id=user_id, code_hash=recovery_code_hash(code)))
    s.flush()
    return codes


def remove_recovery_codes(s: Session, user_id: int) -> None:
    for old in s.exec(select(RecoveryCode).where(RecoveryCode.user_id == user_id)):
        s.delete(old)


def spend_recovery_code(s: Session, user_id: int, code: str) -> bool:
    row = s.exec(
        select(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            col(RecoveryCode.code_hash).in_(recovery_code_hashes(code)),
            col(RecoveryCode.used_at).is_(None),
        )
        .with_for_update()
    ).first()
    if row is None:
        return False
    row.used_at = utcnow()
    s.add(row)
    s.flush()
    return True


@dataclass(frozen=True)
class CodeCheck:
    """A code accepted: whether it was a recovery code (the owner is told how many are left)."""

    recovery: bool
    recovery_codes_left: int


def check_code(s: Session, user: User, code: str, *, limit_key: str) -> CodeCheck:
    """Accept a code from the authenticator app or a recovery code, or raise.

    Every try is counted against `limit_key` before it is checked (atomically, so
    parallel guesses cannot all pass); a right code gives its try back.
    """
    counter = ratelimit.attempt_counter()
    if not counter.reserve(limit_key, MAX_CODE_FAILURES, CODE_WINDOW_SECONDS):
        raise RateLimited("Too many wrong codes. Wait 15 minutes, or use a passkey if you have one.")
    code = (code or "").strip()[:40]
    user_id = int(user.id or 0)
    factor = s.exec(select(TotpFactor).where(TotpFactor.user_id == user_id).with_for_update()).first()
    if factor is not None and factor.confirmed_at is not None and re.fullmatch(r"\d{6}", code.replace(" ", "")):
        if accept_totp(factor, code.replace(" ", "")):
            s.add(factor)
            counter.release(limit_key)
            return CodeCheck(recovery=False, recovery_codes_left=unused_recovery_codes(s, user_id))
        raise CodeRefused()
    if looks_like_recovery_code(code) and spend_recovery_code(s, user_id, code):
        counter.release(limit_key)
        return CodeCheck(recovery=True, recovery_codes_left=unused_recovery_codes(s, user_id))
    raise CodeRefused()
