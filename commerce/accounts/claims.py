"""Signing in by a claim someone else verified, and the optional first password.

A guest who pays gets an account with no password. The receipt's one-time link
(verified by `orders.access`: single use, short-lived, bound to the order's
address, refused after a refund) signs them in through `sign_in_by_claim`, which
returns the same session a password sign-in does and signs nobody else out.
Choosing a password is a later, optional step (`set_first_password`).
"""

from __future__ import annotations

from sqlmodel import Session

from commerce.accounts import factors, passwords
from commerce.accounts.service import SessionGrant, _start_session
from commerce.actor import Actor, require_signed_in
from commerce.errors import Conflict, NotFound, PermissionDenied
from commerce.kit.email import normalise_email
from commerce.models import NO_PASSWORD, User, UserRole


def sign_in_by_claim(s: Session, *, user_id: int, email: str) -> SessionGrant:
    """A new session for the account a verified claim names, if it still has that address.

    Refused for suspended accounts, administrators (who sign in with their password) and
    accounts with a second factor (the link is one factor only);
    other sessions of the account stay signed in.
    """
    user = s.get(User, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if user is None or user.email != normalise_email(email):
        # The account's address changed since the link was sent: the link no longer names it.
        raise PermissionDenied("This link was sent to an address this account no longer uses. Sign in instead.")
    if user.suspended_at is not None:
        raise PermissionDenied("This account is suspended. Contact support if you think this is a mistake.")
    if user.role == UserRole.ADMIN:
        raise PermissionDenied("Administrators sign in with their password. Sign in to see your purchase.")
    if factors.has_second_factor(s, user_id):
        # A link from the inbox is one factor: an account that asks for two is not opened by it.
        raise PermissionDenied("This account uses two-factor sign-in. Sign in to see your purchase.")
    return _start_session(s, user)


def password_is_set(s: Session, actor: Actor) -> bool:
    user = s.get(User, require_signed_in(actor))
    if user is None:
        raise NotFound("This account no longer exists.")
    return user.password_hash != NO_PASSWORD


def set_first_password(s: Session, actor: Actor, *, new_password: str) -> None:
    """Give an account made at a guest checkout its first password (optional; signs nobody out)."""
    user = s.get(User, require_signed_in(actor))
    if user is None:
        raise NotFound("This account no longer exists.")
    if user.password_hash != NO_PASSWORD:
        raise Conflict("This account already has a password. Change it with your current password.")
    passwords.check_strength(new_password, email=user.email)
    user.password_hash = passwords.hash_password(new_password)
    s.add(user)
