"""The admin console's other pages: users, orders, shop quality, settings, feature flags, audit record.

Thin: each handler calls one moderation service as the session's actor (`PageState`); the
service refuses (and logs) anyone but an administrator, whatever ids the event carries.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from commerce import audit, payments
from commerce.audit import AuditEntry
from commerce.flags import service as flag_service
from commerce.flags.service import FlagView
from commerce.i18n import bo_gettext, bo_N_, bo_ngettext, format_number
from commerce.kit.ids import parse_id
from commerce.moderation import checks, orders, quality, settings, users
from commerce.moderation.orders import AdminOrderView, OrderRow
from commerce.moderation.quality import ShopQuality
from commerce.moderation.settings import SettingsView
from commerce.moderation.users import SuspensionImpact, UserDetail, UserRow
from state import service_call
from state.form_data import text_field, text_fields
from state.language import speaking
from state.page import PageState, Pagination, page_number, paged
from state.session import current_actor

USERS_PER_PAGE = 25
AUDIT_PER_PAGE = 50


def _param(state: rx.State, name: str, limit: int = 200) -> str:
    value = state.router.url.query_parameters.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


class AdminUsersState(PageState, rx.State):
    rows: list[UserRow] = []
    pagination: Pagination = Pagination()
    query: str = ""
    role: str = ""
    detail: UserDetail | None = None
    # The search's own problem, above the list (`error` is about the user on screen).
    search_error: str = ""
    # Suspending asks first: what happens to the shop, its live products and its payouts.
    suspension: SuspensionImpact | None = None
    confirming_suspension: bool = False
    # What happens to its live products, a sentence whose plural only the server can choose.
    suspension_products: str = ""
    _suspension_reason: str = ""

    async def _search(self) -> None:
        result = await self._call(
            users.search_users, query=self.query, role=self.role, page=page_number(self), per_page=USERS_PER_PAGE
        )
        self.rows, self.pagination = paged(result)
        self.search_error = result.error

    async def _open(self, user_id: int) -> None:
        self.detail = (await self._call(users.user_detail, user_id)).value
        self.form_key += 1

    async def _reload(self) -> None:
        if self.detail is not None:
            await self._open(self.detail.user.id)
        await self._search()

    @rx.event
    async def load(self):
        self.query, self.role = _param(self, "q", 100), _param(self, "role", 10)
        self.detail, self.notice, self.error = None, "", ""
        await self._search()
        if len(self.rows) == 1 and self.query:
            await self._open(self.rows[0].id)

    @rx.event
    async def search(self, form_data: dict[str, Any]):
        self.query, self.role = text_field(form_data, "q")[:100], text_field(form_data, "role")[:10]
        self.detail, self.notice, self.error = None, "", ""
        await self._search()

    @rx.event
    async def open_user(self, user_id: int):
        self.notice = self.error = ""
        if parse_id(user_id) is not None:
            await self._open(parse_id(user_id))

    @rx.event
    def close_user(self):
        self.detail = None

    @rx.event
    async def change_suspension(self, form_data: dict[str, Any]):
        """Suspend the seller on screen, or reinstate them if their shop is suspended."""
        if self.detail is None:
            return
        if self.detail.user.shop_suspended:
            await self._act(
                users.reinstate_seller,
                self.detail.user.id,
                reason=text_field(form_data, "reason"),
                done=bo_N_("Seller reinstated: the shop's approved products are back."),
            )
        else:
            reason = text_field(form_data, "reason")
            self.notice = self.error = ""
            if not reason:
                await speaking(self)
                self.error = bo_gettext("Say why the seller is suspended.")
                return
            result = await self._call(users.suspension_impact, self.detail.user.id)
            self.error = result.error
            if result.ok:
                self.suspension, self._suspension_reason = result.value, reason
                self.suspension_products = bo_ngettext(
                    "Its {count} live product leaves the shop pages and search; buyers keep what they already bought.",
                    "Its {count} live products leave the shop pages and search; buyers keep what they already bought.",
                    result.value.live_products,
                )
                self.confirming_suspension = True

    @rx.event
    def set_confirming_suspension(self, open_: bool):
        """The confirmation closes (Cancel, Escape): nothing is suspended."""
        self.confirming_suspension = bool(open_) and self.suspension is not None

    @rx.event
    async def confirm_suspension(self):
        if self.detail is None or self.suspension is None or self.suspension.user_id != self.detail.user.id:
            self.confirming_suspension = False
            return
        self.confirming_suspension = False
        await self._act(
            users.suspend_seller,
            self.detail.user.id,
            reason=self._suspension_reason,
            done=bo_N_(
                "Seller suspended: buyers are told the shop is unavailable, and its products left the shop "
                "pages and search."
            ),
        )
        self.suspension, self._suspension_reason = None, ""

    @rx.event
    async def promote(self):
        if self.detail is not None:
            await self._act(
                users.promote_to_admin, self.detail.user.id, done=bo_N_("This user is now an administrator.")
            )


class AdminOrdersState(PageState, rx.State):
    query: str = ""
    results: list[OrderRow] = []
    searched: bool = False
    detail: AdminOrderView | None = None
    refund_error: str = ""
    refunding: bool = False

    async def _open(self, reference: str) -> None:
        result = await self._call(orders.order_detail, reference)
        self.detail, self.error = result.value, result.error
        self.form_key += 1

    @rx.event
    async def load(self):
        self.detail, self.results, self.searched = None, [], False
        self.error = self.notice = self.refund_error = ""
        reference = _param(self, "ref", 40)
        if reference:
            self.query = reference
            await self._open(reference)

    @rx.event
    async def search(self, form_data: dict[str, Any]):
        self.query = text_field(form_data, "q")[:320]
        self.detail, self.error, self.notice, self.refund_error = None, "", "", ""
        result = await self._call(orders.find_orders, self.query)
        self.results, self.error, self.searched = result.value or [], result.error, True
        if len(self.results) == 1:
            await self._open(self.results[0].reference)

    @rx.event
    async def open_order(self, reference: str):
        self.notice = self.refund_error = ""
        if isinstance(reference, str):
            await self._open(reference)

    @rx.event(background=True)
    async def refund(self, form_data: dict[str, Any]):
        """The gateway is called over the network: off the state lock, in the background."""
        async with self:
            if self.detail is None or self.refunding:
                return
            reference = self.detail.order.reference
            self.refunding, self.refund_error, self.notice = True, "", ""
            actor = await current_actor(self)
        result = await service_call.call(
            orders.refund_order, actor, payments.gateway(), reference, reason=text_field(form_data, "reason")
        )
        async with self:
            self.refunding = False
            if result.ok:
                self.detail = result.value
                self.notice = bo_gettext("Refunded. The buyer gets an email; the ledger shows the reversal.")
                self.form_key += 1
            else:
                self.refund_error = result.error


class AdminShopsState(PageState, rx.State):
    rows: list[ShopQuality] = []

    async def _reload(self) -> None:
        self.rows = (await self._call(quality.shop_quality)).value or []

    @rx.event
    async def load(self):
        self.error = self.notice = ""
        await self._reload()

    @rx.event
    async def set_take_rate(self, form_data: dict[str, Any]):
        shop_id = parse_id(form_data.get("shop_id"))
        if shop_id is not None:
            await self._act(
                settings.set_take_rate,
                shop_id,
                percent=text_field(form_data, "take_rate"),
                done=lambda rate_bps: bo_gettext(
                    # The rate with its sign, so no "%" sits in the sentence for gettext to read as a format.
                    "Take rate set to {rate} for sales from now on.",
                    rate=f"{format_number(rate_bps / 100)} %",
                ),
            )


class AdminSettingsState(PageState, rx.State):
    view: SettingsView | None = None

    async def _reload(self) -> None:
        self.view = (await self._call(settings.settings_view)).value

    @rx.event
    async def load(self):
        self.error = self.notice = ""
        await self._reload()

    @rx.event
    async def set_tax_rate(self, form_data: dict[str, Any]):
        await self._act(
            settings.set_tax_rate, **text_fields(form_data, "country", "percent"), done=bo_N_("Tax rate saved.")
        )

    @rx.event
    async def remove_tax_rate(self, country: str):
        if isinstance(country, str):
            await self._act(settings.set_tax_rate, country=country, percent="", done=bo_N_("Tax rate removed."))

    @rx.event
    async def enable_currency(self, form_data: dict[str, Any]):
        await self._act(
            settings.enable_currency,
            **text_fields(form_data, "code", "per_eur"),
            done=bo_N_("Currency offered to buyers."),
        )

    @rx.event
    async def disable_currency(self, code: str):
        if isinstance(code, str):
            await self._act(settings.disable_currency, code=code, done=bo_N_("Currency no longer offered."))

    @rx.event
    async def save_banned_words(self, form_data: dict[str, Any]):
        words = form_data.get("words") if isinstance(form_data.get("words"), str) else ""
        await self._act(checks.set_banned_words, words, done=bo_N_("Banned words saved."))


class AdminFlagsState(PageState, rx.State):
    flags: list[FlagView] = []

    async def _reload(self) -> None:
        self.flags = (await self._call(flag_service.list_flags)).value or []

    @rx.event
    async def load(self):
        self.error = self.notice = ""
        await self._reload()
        self.loaded = True

    @rx.event
    async def save(self, form_data: dict[str, Any]):
        await self._act(
            flag_service.set_flag,
            **text_fields(form_data, "key", "rollout", "percentage", "accounts"),
            done=lambda view: f"{view.label}: {view.summary}.",
        )


class AdminAuditState(PageState, rx.State):
    entries: list[AuditEntry] = []
    pagination: Pagination = Pagination()
    action: str = ""

    @rx.event
    async def load(self):
        action = _param(self, "action", 40)
        self.action = action if action in audit.ACTION_LABELS else ""
        result = await self._call(audit.list_audit, action=self.action, page=page_number(self), per_page=AUDIT_PER_PAGE)
        self.entries, self.pagination = paged(result)
        self.loaded = True
