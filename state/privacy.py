"""The account page's privacy section (download my data, delete my account) and the admin
console's log of those requests. Thin: each handler calls one privacy service as the
session's actor, which checks who may do what."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

import routes
from commerce.i18n import gettext
from commerce.privacy import erasure, exports
from commerce.privacy.exports import ExportView
from commerce.privacy.service import PrivacyLogRow, privacy_log, request_export
from state.form_data import secret_field, text_field
from state.page import PageState, Pagination, page_number, paged
from state.session import current_actor

# The export job usually takes a second or two; the page checks for a while, then stops.
EXPORT_POLL_SECONDS = 1.0
EXPORT_POLL_ROUNDS = 60
LOG_PER_PAGE = 50


class PrivacyState(PageState, rx.State):
    exports: list[ExportView] = []
    export_pending: bool = False
    confirming_delete: bool = False
    delete_error: str = ""
    delete_field: str = ""
    deleting: bool = False

    async def _reload(self) -> None:
        result = await self._call(exports.my_exports)
        self.exports = result.value or []
        self.export_pending = any(view.status == "pending" for view in self.exports)

    @rx.event
    async def load(self):
        self.error = self.notice = self.delete_error = ""
        self.confirming_delete = self.deleting = False
        await self._reload()
        self.loaded = True

    @rx.event
    async def ask_for_export(self):
        self.error = self.notice = ""
        result = await self._call(request_export)
        if not result.ok:
            self.error = result.error
            return
        self.exports = result.value or []
        self.export_pending = True
        self.notice = gettext("We are putting your data together. The download appears here in a moment.")
        return PrivacyState.watch_export

    @rx.event(background=True)
    async def watch_export(self):
        """Read the list again until the export is ready (or a minute has passed)."""
        for _ in range(EXPORT_POLL_ROUNDS):
            await asyncio.sleep(EXPORT_POLL_SECONDS)
            async with self:
                await self._reload()
                if not self.export_pending:
                    self.notice = gettext("Your data is ready to download.")
                    return

    @rx.event
    def set_confirming_delete(self, open_: bool):
        self.confirming_delete = bool(open_)
        self.delete_error = self.delete_field = ""

    @rx.event
    async def delete_account(self, form_data: dict[str, Any]):
        self.delete_error = self.delete_field = ""
        self.deleting = True
        yield
        result = await self._call(
            erasure.erase_account,
            password=secret_field(form_data, "password"),
            confirmation=text_field(form_data, "confirmation"),
        )
        self.deleting = False
        if not result.ok:
            self.delete_error, self.delete_field = result.error, result.field
            return
        self.confirming_delete = False
        # The session is revoked: reading it again clears this tab's identity.
        await current_actor(self)
        yield rx.redirect(routes.ACCOUNT_DELETED)


class AdminPrivacyState(PageState, rx.State):
    rows: list[PrivacyLogRow] = []
    pagination: Pagination = Pagination()

    @rx.event
    async def load(self):
        result = await self._call(privacy_log, page=page_number(self), per_page=LOG_PER_PAGE)
        self.rows, self.pagination = paged(result)
        self.error = result.error
        self.loaded = True
