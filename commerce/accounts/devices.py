"""Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies").

A browser that has signed in to an account holds a device cookie for it: the account's
email, a random nonce and an HMAC over both with the site's secret key. Sign-in attempts
from such a browser are limited per device (`login:device:<nonce>`), so a guesser who
locks an account out locks out only unknown clients: the owner's own browsers keep
signing in. Unknown clients are limited per account and per client; when the account
locks them out, its owner is emailed a link that, opened on any device, gives that
device a cookie for the account (so the owner can sign in from a new device too).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from commerce.config import get_settings
from commerce.kit.email import normalise_email

COOKIE_VERSION = "d1"
UNLOCK_VERSION = "u1"
UNLOCK_LINK_SECONDS = 24 * 60 * 60
MAX_COOKIE = 600


@dataclass(frozen=True)
class Device:
    nonce: str


def _mac(purpose: str, *parts: str) -> str:
    message = "|".join((purpose, *parts)).encode()
    digest = hmac.new(get_settings().secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _login(email: str) -> str:
    return base64.urlsafe_b64encode(normalise_email(email).encode()).decode().rstrip("=")


def issue(email: str) -> str:
    """A new device cookie for the account with this email (after a successful sign-in)."""
    login, nonce = _login(email), secrets.token_urlsafe(12)
    return f"{COOKIE_VERSION}.{login}.{nonce}.{_mac('device', login, nonce)}"


def device_for(cookie: str | None, email: str) -> Device | None:
    """The device a cookie names, if it is genuine and was issued for this account."""
    if not cookie or len(cookie) > MAX_COOKIE:
        return None
    parts = cookie.split(".")
    if len(parts) != 4 or parts[0] != COOKIE_VERSION:
        return None
    _, login, nonce, mac = parts
    try:
        if login != _login(email):
            return None
    except Exception:  # an email the account rules refuse has no device either
        return None
    return Device(nonce=nonce) if hmac.compare_digest(mac, _mac("device", login, nonce)) else None


def unlock_token(email: str, *, now: float | None = None) -> str:
    """The emailed link's token: opened on a device, it makes that device known to the account."""
    login, expires = _login(email), str(int((now or time.time()) + UNLOCK_LINK_SECONDS))
    return f"{UNLOCK_VERSION}.{login}.{expires}.{_mac('unlock', login, expires)}"


def email_from_unlock(token: str | None, *, now: float | None = None) -> str | None:
    """The account an unlock token was made for, if genuine and not expired."""
    if not token or len(token) > MAX_COOKIE:
        return None
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != UNLOCK_VERSION or not parts[2].isdigit():
        return None
    _, login, expires, mac = parts
    if not hmac.compare_digest(mac, _mac("unlock", login, expires)) or int(expires) < (now or time.time()):
        return None
    try:
        return base64.urlsafe_b64decode(login + "=" * (-len(login) % 4)).decode()
    except ValueError:
        return None
