"""Accounts: sign-up, sign-in sessions, passwords, roles and shops."""

from commerce.accounts.registration import confirm_registration, register
from commerce.accounts.service import (
    SecondFactorNeeded,
    SessionGrant,
    SocketSession,
    UserView,
    change_password,
    create_account,
    create_shop,
    get_user,
    login,
    logout,
    logout_everywhere,
    record_failed_sign_in,
    request_password_reset,
    reset_password,
    resume_session,
    set_language,
    socket_session,
)

__all__ = [
    "SecondFactorNeeded",
    "SessionGrant",
    "SocketSession",
    "UserView",
    "change_password",
    "confirm_registration",
    "create_account",
    "create_shop",
    "get_user",
    "login",
    "logout",
    "logout_everywhere",
    "record_failed_sign_in",
    "register",
    "request_password_reset",
    "reset_password",
    "resume_session",
    "set_language",
    "socket_session",
]
