"""Changing an account's email address.

The owner asks from the account page with their password (and a recent second factor
when the account has one, like every sensitive change). The address changes only when
the link sent to the *new* address is opened, so nobody can move an account to an
address they cannot read, and the *old* address is told once it has changed, with a way
back (the password reset goes to the new address, so the notice says to contact support
through the shop rather than offering a link the attacker controls).

Whether the new address already has an account is never revealed to the asker: the
answer is always "check the new address"; that address's owner gets a note instead of a
link.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from commerce import ratelimit
from commerce.accounts import passwords
from commerce.accounts.activity import Client, record
from commerce.accounts.service import _token_hash, tell_address_owner, use_link_token
from commerce.accounts.step_up import require_recent_second_factor
from commerce.actor import Actor, require_signed_in
from commerce.config import get_settings
from commerce.errors import NotFound, ValidationError
from commerce.i18n import N_, gettext
from commerce.kit.email import normalise_email
from commerce.kit.time import utcnow
from commerce.links import absolute, email_change_url
from commerce.models import EmailChangeToken, PasswordResetToken, SecurityEventKind, User, saved_id
from commerce.notifications.tasks import enqueue_email

EMAIL_CHANGE_LINK_LIFETIME = timedelta(hours=24)
# Change emails to one new address per hour (the form must not flood someone's inbox).
CHANGE_EMAILS_PER_HOUR = 3
INVALID_LINK = N_("This link is invalid, has expired or was used already. Ask for a new one from your account page.")


@dataclass(frozen=True)
class EmailChangeAsked:
    new_email: str  # where the confirmation link went (as the person typed it, normalised)


def request_email_change(
    s: Session, actor: Actor, *, new_email: str, current_password: str, client: Client | None = None
) -> EmailChangeAsked:
    """Send a confirmation link to `new_email`; nothing changes until it is opened."""
    user = s.get(User, require_signed_in(actor))
    if user is None:
        raise NotFound(gettext("This account no longer exists."))
    require_recent_second_factor(s, actor)
    email = normalise_email(new_email)
    if email == user.email:
        raise ValidationError(gettext("That is already your email address."), "email")
    if not passwords.verify_password(user.password_hash, current_password):
        raise ValidationError(gettext("Your current password is incorrect."), "current_password")
    answer = EmailChangeAsked(new_email=email)
    if not ratelimit.attempt_counter().reserve(f"mail:email-change:{email}", CHANGE_EMAILS_PER_HOUR, 3600):
        return answer  # the same answer: the address has had enough mail for now
    owner = s.exec(select(User).where(User.email == email)).first()
    if owner is not None:
        tell_address_owner(s, owner, "email_change_taken")
        return answer
    # One pending change at a time: an earlier link stops working.
    s.exec(delete(EmailChangeToken).where(col(EmailChangeToken.user_id) == saved_id(user)))
    token = secrets.token_urlsafe(32)
    s.add(
        EmailChangeToken(
            user_id=saved_id(user),
            token_hash=_token_hash(token),
            new_email=email,
            expires_at=utcnow() + EMAIL_CHANGE_LINK_LIFETIME,
        )
    )
    s.flush()
    enqueue_email(
        s,
        to=email,
        kind="email_change_confirm",
        display_name=user.display_name,
        confirm_url=absolute(get_settings().base_url, email_change_url(token)),
        expires_hours=int(EMAIL_CHANGE_LINK_LIFETIME.total_seconds() // 3600),
    )
    return answer


@dataclass(frozen=True)
class EmailChanged:
    user_id: int
    new_email: str


def confirm_email_change(s: Session, *, token: str, client: Client | None = None) -> EmailChanged:
    """Make the link's new address the account's email; each link works once.

    The token alone proves it (it reached the new address); the browser that opens it
    need not be signed in."""
    invalid = ValidationError(gettext(INVALID_LINK))
    row = use_link_token(s, EmailChangeToken, token, invalid)
    user = s.get(User, row.user_id)
    if user is None or user.erased_at is not None or user.suspended_at is not None:
        raise invalid
    if s.exec(select(User.id).where(User.email == row.new_email)).first() is not None:
        raise ValidationError(gettext("An account with this email exists already, so this one cannot move to it."))
    old_email = user.email
    user.email = row.new_email
    s.add(user)
    # Reset links already sent to the old address stop working.
    s.exec(delete(PasswordResetToken).where(col(PasswordResetToken.user_id) == row.user_id))
    record(s, row.user_id, SecurityEventKind.EMAIL_CHANGED, client, detail=_masked(row.new_email))
    s.flush()
    enqueue_email(
        s,
        to=old_email,
        kind="email_changed",
        display_name=user.display_name,
        new_email_masked=_masked(row.new_email),
    )
    return EmailChanged(user_id=row.user_id, new_email=row.new_email)


def _masked(email: str) -> str:
    """ "n•••@example.com": enough for the owner to recognise, too little to harvest."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"
