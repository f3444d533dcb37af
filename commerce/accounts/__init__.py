"""Accounts: sign-up, sign-in sessions, passwords, roles and shops."""

from commerce.accounts.actor import Actor, require_admin, require_role, require_shop, require_signed_in
from commerce.accounts.service import (
    SessionGrant,
    UserView,
    change_password,
    create_shop,
    get_user,
    login,
    logout,
    logout_everywhere,
    normalise_email,
    register,
    request_password_reset,
    reset_password,
    resume_session,
)

__all__ = [
    "Actor",
    "SessionGrant",
    "UserView",
    "change_password",
    "create_shop",
    "get_user",
    "login",
    "logout",
    "logout_everywhere",
    "normalise_email",
    "register",
    "request_password_reset",
    "require_admin",
    "require_role",
    "require_shop",
    "require_signed_in",
    "reset_password",
    "resume_session",
]
