"""Changing the account's email: the request on the account page, and the page the new
address's link opens."""

from __future__ import annotations

from typing import Any

import reflex as rx

from commerce.accounts.email_change import confirm_email_change, request_email_change
from commerce.i18n import N_, gettext
from state import service_call
from state.form_data import form_errors, missing, secret_field, text_field
from state.language import speaking
from state.session import SessionState
from state.step_up import StepUpMixin

EMAIL_REQUIRED = {"email": N_("Enter your new email address."), "current_password": N_("Enter your current password.")}


class AccountEmailState(StepUpMixin, rx.State):
    email_errors: dict[str, str] = {}
    email_notice: str = ""
    email_pending: bool = False

    # The link's page.
    confirm_error: str = ""
    confirm_pending: bool = False
    confirmed_email: str = ""

    @rx.event
    async def open_account_page(self):
        self.reset()

    @rx.event
    async def request_change(self, form_data: dict[str, Any]):
        new_email = text_field(form_data, "new_email")
        current = secret_field(form_data, "current_password")
        self.email_notice = ""
        await speaking(self)
        self.email_errors = missing({"email": new_email, "current_password": current}, EMAIL_REQUIRED)
        if self.email_errors:
            return
        self.email_pending = True
        yield
        result = await self._call(
            request_email_change, new_email=new_email, current_password=current, client=self._client()
        )
        self.email_pending = False
        if self._ask_for_step_up(result):
            return
        self.email_errors = form_errors(result, ("email", "current_password"))
        if not result.ok:
            return
        self.email_notice = gettext(
            "We sent a link to {email}. Your email address changes when you open it "
            "(within 24 hours); until then, keep using your current one.",
            email=result.value.new_email,
        )
        yield [rx.set_value(field_id, "") for field_id in ("email-new", "email-password")]

    @rx.event
    async def open_confirm_page(self):
        self.confirm_error = ""
        self.confirmed_email = ""

    @rx.event
    async def confirm(self):
        """The link's button (a link scanner's GET of the page changes nothing)."""
        self.confirm_pending = True
        yield
        await speaking(self)
        # `email_change_token` is the dynamic segment of routes.EMAIL_CHANGE_CONFIRM.
        result = await service_call.call(confirm_email_change, token=self.email_change_token, client=self._client())
        self.confirm_pending = False
        if not result.ok:
            self.confirm_error = result.error
            return
        self.confirmed_email = result.value.new_email
        # A browser signed in to this account shows the new address at once.
        session = await self.get_state(SessionState)
        await session._resume()
