"""Accounts: sign-up, sign-in sessions, passwords, roles and shops."""

from commerce.accounts.service import (
    SessionGrant,
    UserView,
    change_password,
    create_shop,
    get_user,
    login,
    logout,
    logout_everywhere,
    register,
    request_password_reset,
    reset_password,
    resume_session,
)

__all__ = [
    "SessionGrant",
    "UserView",
    "change_password",
    "create_shop",
    "get_user",
    "login",
    "logout",
    "logout_everywhere",
    "register",
    "request_password_reset",
    "reset_password",
    "resume_session",
]
