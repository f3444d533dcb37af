"""The account page: change password, update emails, open a shop, sign out everywhere."""

from __future__ import annotations

from typing import Any

import reflex as rx

import routes
from commerce import accounts
from commerce.accounts import claims
from commerce.accounts.activity import Client
from commerce.delivery import library
from commerce.i18n import N_, gettext
from state.form_data import confirmed, form_errors, missing, secret_field, text_field
from state.page import ServiceState
from state.session import current_actor

PASSWORD_REQUIRED = {"current_password": N_("Enter your current password."), "password": N_("Choose a new password.")}
SHOP_REQUIRED = {"name": N_("Enter a name for your shop."), "slug": N_("Choose an address for your shop.")}


class AccountState(ServiceState, rx.State):
    # Each form's errors by field ("form" for the form as a whole).
    password_errors: dict[str, str] = {}
    password_notice: str = ""
    password_pending: bool = False
    # False for an account made at a guest checkout that has not chosen a password (optional).
    has_password: bool = True
    first_password_notice: str = ""

    shop_errors: dict[str, str] = {}
    shop_pending: bool = False

    update_emails: bool = True
    update_emails_notice: str = ""

    @rx.event
    async def open_page(self):
        """Fresh forms each time the account page opens (state outlives navigation)."""
        self.reset()
        result = await self._call(library.update_emails_enabled)
        self.update_emails = result.value if result.ok else True
        has_password = await self._call(claims.password_is_set)
        self.has_password = has_password.value if has_password.ok else True

    @rx.event
    async def set_first_password(self, form_data: dict[str, Any]):
        """The optional password of an account made at a guest checkout (signs nobody out)."""
        new = secret_field(form_data, "new_password")
        confirm = secret_field(form_data, "confirm_password")
        self.first_password_notice = ""
        self.password_errors = {**missing({"password": new}, PASSWORD_REQUIRED), **confirmed(new, confirm)}
        if self.password_errors:
            return
        self.password_pending = True
        yield
        result = await self._call(claims.set_first_password, new_password=new)
        self.password_pending = False
        self.password_errors = form_errors(result, ("password",))
        if not result.ok:
            return
        self.has_password = True
        self.first_password_notice = gettext(
            "Your password is set. You can now also sign in with your email and password."
        )

    @rx.event
    async def set_update_emails(self, enabled: bool):
        result = await self._call(library.set_update_emails, bool(enabled))
        if result.ok:
            self.update_emails = result.value
            self.update_emails_notice = (
                gettext("We will email you when something you bought is updated.")
                if result.value
                else gettext("You will no longer get update emails.")
            )

    @rx.event
    async def change_password(self, form_data: dict[str, Any]):
        current = secret_field(form_data, "current_password")
        new = secret_field(form_data, "new_password")
        confirm = secret_field(form_data, "confirm_password")
        self.password_notice = ""
        self.password_errors = {
            **missing({"current_password": current, "password": new}, PASSWORD_REQUIRED),
            **confirmed(new, confirm),
        }
        if self.password_errors:
            return
        self.password_pending = True
        yield
        client = Client(ip=self.router.session.client_ip or None, user_agent=self.router.headers.user_agent or "")
        result = await self._call(accounts.change_password, current_password=current, new_password=new, client=client)
        self.password_pending = False
        self.password_errors = form_errors(result, ("current_password", "password"))
        if not result.ok:
            return
        self.password_notice = gettext("Your password has been changed.")
        yield [rx.set_value(field_id, "") for field_id in ("password-current", "password-new", "password-confirm")]

    @rx.event
    async def create_shop(self, form_data: dict[str, Any]):
        name = text_field(form_data, "shop_name")
        slug = text_field(form_data, "shop_slug").lower()
        self.shop_errors = missing({"name": name, "slug": slug}, SHOP_REQUIRED)
        if self.shop_errors:
            return
        self.shop_pending = True
        yield
        result = await self._call(accounts.create_shop, name=name, slug=slug)
        self.shop_pending = False
        self.shop_errors = form_errors(result, ("name", "slug"))
        if not result.ok:
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


class PasswordHintState(ServiceState, rx.State):
    """The library's note for an account signed in by its receipt link: a password is optional."""

    no_password: bool = False

    @rx.event
    async def load(self):
        result = await self._call(claims.password_is_set)
        self.no_password = result.ok and result.value is False
