"""Signing up without telling anyone who already has an account.

The form's answer is always "check your email". A new address gets a link that
creates the account and signs it in; an address that already has an account gets
an email telling its owner someone tried to sign up with it, with links to sign in
or reset the password. Both paths hash the password, so they take the same time.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import Session, select

from commerce import ratelimit
from commerce.accounts import passwords
from commerce.accounts.service import (
    SessionGrant,
    _clean_display_name,
    _create_user,
    _start_session,
    _token_hash,
    tell_address_owner,
    use_link_token,
)
from commerce.config import get_settings
from commerce.errors import Conflict, ValidationError
from commerce.i18n import gettext
from commerce.kit.email import normalise_email
from commerce.kit.time import utcnow
from commerce.links import absolute, registration_confirm_url
from commerce.models import RegistrationToken, User
from commerce.notifications.tasks import enqueue_email

REGISTRATION_LINK_LIFETIME = timedelta(hours=24)
# Sign-up emails to one address (a confirmation link, or "someone tried to sign up with
# your address") per hour: the form cannot be used to flood someone's inbox.
SIGNUP_EMAILS_PER_HOUR = 3


def register(s: Session, *, email: str, password: str, display_name: str, client_id: str) -> None:
    """Start a sign-up: email a link to a new address, or tell an existing account's owner.

    Bad input (an invalid email, a weak password, an empty name) is refused as before;
    those answers do not depend on who has an account.
    """
    email = normalise_email(email)
    name = _clean_display_name(display_name)
    passwords.check_strength(password, email=email)
    password_hash = passwords.hash_password(password)
    base_url = get_settings().base_url
    if not ratelimit.attempt_counter().reserve(f"mail:signup:{email}", SIGNUP_EMAILS_PER_HOUR, 3600):
        # Same answer as always ("check your email"); the address has had enough mail for now.
        return
    owner = s.exec(select(User).where(User.email == email)).first()
    if owner is not None:
        tell_address_owner(s, owner, "registration_attempt")
        return
    token = secrets.token_urlsafe(32)
    s.add(
        RegistrationToken(
            token_hash=_token_hash(token),
            email=email,
            display_name=name,
            password_hash=password_hash,
            expires_at=utcnow() + REGISTRATION_LINK_LIFETIME,
        )
    )
    s.flush()
    enqueue_email(
        s,
        to=email,
        kind="confirm_registration",
        display_name=name,
        confirm_url=absolute(base_url, registration_confirm_url(token)),
        expires_hours=int(REGISTRATION_LINK_LIFETIME.total_seconds() // 3600),
    )


def confirm_registration(s: Session, *, token: str) -> SessionGrant:
    """Create the account a sign-up link stands for and sign it in; each link works once.

    Called by the HTTP route the link's page posts to, which sets the session cookie."""
    invalid = ValidationError(gettext("This sign-up link is invalid or has expired. Sign up again to get a new one."))
    row = use_link_token(s, RegistrationToken, token, invalid)
    try:
        user = _create_user(s, email=row.email, display_name=row.display_name, password_hash=row.password_hash)
    except Conflict:
        raise ValidationError(
            gettext("An account with this email exists already. Sign in, or reset the password if you forgot it.")
        ) from None
    return _start_session(s, user)
