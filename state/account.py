"""The account page: change password, update emails, open a shop, sign out everywhere."""

from __future__ import annotations

from typing import Any

import reflex as rx

import routes
from commerce import accounts
from commerce.delivery import library
from state.form_data import secret_field, show_error, text_field
from state.page import ServiceState
from state.session import current_actor


class AccountState(ServiceState, rx.State):
    password_current_error: str = ""
    password_new_error: str = ""
    password_confirm_error: str = ""
    password_error: str = ""
    password_notice: str = ""
    password_pending: bool = False

    shop_name_error: str = ""
    shop_slug_error: str = ""
    shop_error: str = ""
    shop_pending: bool = False

    update_emails: bool = True
    update_emails_notice: str = ""

    @rx.event
    async def open_page(self):
        """Fresh forms each time the account page opens (state outlives navigation)."""
        self.reset()
        result = await self._call(library.update_emails_enabled)
        self.update_emails = result.value if result.ok else True

    @rx.event
    async def set_update_emails(self, enabled: bool):
        result = await self._call(library.set_update_emails, bool(enabled))
        if result.ok:
            self.update_emails = result.value
            self.update_emails_notice = (
                "We will email you when something you bought is updated."
                if result.value
                else "You will no longer get update emails."
            )

    @rx.event
    async def change_password(self, form_data: dict[str, Any]):
        current = secret_field(form_data, "current_password")
        new = secret_field(form_data, "new_password")
        confirm = secret_field(form_data, "confirm_password")
        self.password_current_error = "" if current else "Enter your current password."
        self.password_new_error = "" if new else "Choose a new password."
        self.password_confirm_error = "" if new == confirm else "The two passwords do not match."
        self.password_error = self.password_notice = ""
        if self.password_current_error or self.password_new_error or self.password_confirm_error:
            return
        self.password_pending = True
        yield
        result = await self._call(accounts.change_password, current_password=current, new_password=new)
        self.password_pending = False
        if not result.ok:
            fields = {"current_password": "password_current_error", "password": "password_new_error"}
            show_error(self, result, fields, "password_error")
            return
        self.password_notice = "Your password has been changed."
        yield [rx.set_value(field_id, "") for field_id in ("password-current", "password-new", "password-confirm")]

    @rx.event
    async def create_shop(self, form_data: dict[str, Any]):
        name = text_field(form_data, "shop_name")
        slug = text_field(form_data, "shop_slug").lower()
        self.shop_name_error = "" if name else "Enter a name for your shop."
        self.shop_slug_error = "" if slug else "Choose an address for your shop."
        self.shop_error = ""
        if self.shop_name_error or self.shop_slug_error:
            return
        self.shop_pending = True
        yield
        result = await self._call(accounts.create_shop, name=name, slug=slug)
        self.shop_pending = False
        if not result.ok:
            show_error(self, result, {"name": "shop_name_error", "slug": "shop_slug_error"}, "shop_error")
            return
        # Re-reading the session picks up the new shop and the seller role.
        await current_actor(self)
        yield rx.redirect(routes.SELLER)

    @rx.event
    async def logout_everywhere(self):
        await self._call(accounts.logout_everywhere)
        # Re-reading the now revoked session clears this tab's identity and cookie.
        await current_actor(self)
        return rx.redirect(routes.LOGIN)
