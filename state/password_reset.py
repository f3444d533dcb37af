"""Forgotten password: ask for a link, then choose a new password with it."""

from __future__ import annotations

from typing import Any

import reflex as rx

from commerce import accounts
from commerce.i18n import N_, gettext
from state import service_call
from state.form_data import confirmed, form_errors, missing, secret_field, text_field
from state.language import speaking

NEW_PASSWORD_REQUIRED = {"password": N_("Choose a new password.")}


class PasswordResetState(rx.State):
    request_error: str = ""
    request_sent: bool = False
    request_pending: bool = False

    # The new-password form's errors: "password", "confirm" or "form".
    reset_errors: dict[str, str] = {}
    reset_done: bool = False
    reset_pending: bool = False

    @rx.event
    def open_page(self):
        """Fresh forms each time a reset page opens (state outlives navigation)."""
        self.reset()

    @rx.event
    async def request_link(self, form_data: dict[str, Any]):
        email = text_field(form_data, "email")
        await speaking(self)
        self.request_error = "" if email else gettext("Enter the email address of your account.")
        if self.request_error:
            return
        self.request_pending = True
        yield
        # The answer is the same whether or not the account exists, so the form
        # cannot be used to find out who has an account.
        await service_call.call(accounts.request_password_reset, email=email)
        self.request_pending = False
        self.request_sent = True

    @rx.event
    async def choose_password(self, form_data: dict[str, Any]):
        password = secret_field(form_data, "new_password")
        confirm = secret_field(form_data, "confirm_password")
        self.reset_errors = {**missing({"password": password}, NEW_PASSWORD_REQUIRED), **confirmed(password, confirm)}
        if self.reset_errors:
            return
        self.reset_pending = True
        yield
        # `reset_token` is the dynamic segment of routes.PASSWORD_RESET_WITH_TOKEN.
        token = self.reset_token
        result = await service_call.call(accounts.reset_password, token=token, new_password=password)
        self.reset_pending = False
        self.reset_errors = form_errors(result, ("password",))
        self.reset_done = result.ok
