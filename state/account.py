"""The account page: change password, update emails, open a shop, sign out everywhere."""

from __future__ import annotations

from typing import Any

import reflex as rx

import routes
from commerce import accounts
from commerce.delivery import library
from state import service_call
from state.form_data import secret_field, text_field
from state.session import current_actor


class AccountState(rx.State):
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
        actor = await current_actor(self)
        result = await service_call.call(library.update_emails_enabled, actor)
        self.update_emails = result.value if result.ok else True

    @rx.event
    async def set_update_emails(self, enabled: bool):
        actor = await current_actor(self)
        result = await service_call.call(library.set_update_emails, actor, bool(enabled))
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
        actor = await current_actor(self)
        result = await service_call.call(accounts.change_password, actor, current_password=current, new_password=new)
        self.password_pending = False
        if not result.ok:
            if result.field == "current_password":
                self.password_current_error = result.error
            elif result.field == "password":
                self.password_new_error = result.error
            else:
                self.password_error = result.error
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
        actor = await current_actor(self)
        result = await service_call.call(accounts.create_shop, actor, name=name, slug=slug)
        self.shop_pending = False
        if not result.ok:
            if result.field == "name":
                self.shop_name_error = result.error
            elif result.field == "slug":
                self.shop_slug_error = result.error
            else:
                self.shop_error = result.error
            return
        # Re-reading the session picks up the new shop and the seller role.
        await current_actor(self)
        yield rx.redirect(routes.SELLER)

    @rx.event
    async def logout_everywhere(self):
        actor = await current_actor(self)
        await service_call.call(accounts.logout_everywhere, actor)
        # Re-reading the now revoked session clears this tab's identity and cookie.
        await current_actor(self)
        return rx.redirect(routes.LOGIN)
