"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from commerce.errors import ValidationError
from commerce.i18n import gettext

MIN_LENGTH = 10
# argon2 hashes any length, but an unbounded input is a cheap way to burn CPU.
MAX_LENGTH = 256

_hasher = PasswordHasher()
# Verified when the email is unknown, so a failed login takes as long either way.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-timing")


def check_strength(password: str, *, email: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            gettext("Use at least {count} characters for your password.", count=MIN_LENGTH), "password"
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError(
            gettext("Use at most {count} characters for your password.", count=MAX_LENGTH), "password"
        )
    if len(set(password)) < 4 or (email and password.lower() == email.lower()):
        raise ValidationError(gettext("That password is too easy to guess; choose another."), "password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
