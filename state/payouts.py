"""The seller's payouts page and the admins' payouts console.

Thin: each handler calls one payouts service as the session's actor, which checks who may
do it. Connecting talks to the payout provider over the network: a background event."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import reflex as rx

from commerce import ledger
from commerce.config import get_settings
from commerce.i18n import bo_gettext, bo_N_
from commerce.ledger import SellerBalance
from commerce.money import Money, format_money
from commerce.payments.connect import connect_provider
from commerce.payouts import accounts, admin, schedule, views
from commerce.payouts.views import AccountView, PayoutView, UpcomingPayout
from state import service_call
from state.cart import local_path
from state.form_data import text_fields
from state.language import speaking
from state.page import PageState
from state.session import current_actor
from state.step_up import StepUpMixin

NOT_CONNECTED = AccountView(False, "", bo_N_("Not connected"), [], "", "")
# After the provider's onboarding, its status event follows within seconds: the page looks again.
WATCH_SECONDS = 30


class SellerPayoutsState(StepUpMixin, rx.State):
    account: AccountView = NOT_CONNECTED
    balances: list[SellerBalance] = []
    upcoming: list[UpcomingPayout] = []
    payouts: list[PayoutView] = []
    schedule_label: str = ""
    connecting: bool = False
    watching: bool = False

    async def _reload(self) -> None:
        result = await self._call(views.seller_payouts_page)
        if not result.ok:
            self.error = result.error
        else:
            page = result.value
            self.account, self.balances, self.upcoming = page.account, page.balances, page.upcoming
            self.payouts, self.schedule_label = page.payouts, page.schedule.label
        self.loaded = True

    @rx.event
    async def load(self):
        self.error = self.notice = ""
        await speaking(self)
        onboarding = self.router.url.query_parameters.get("onboarding", "")
        if onboarding == accounts.ONBOARDING_DONE:
            self.notice = bo_gettext(
                "Thanks: your details went to the payout provider. Your account's status shows here."
            )
        elif onboarding == accounts.ONBOARDING_REFRESH:
            self.notice = bo_gettext("The setup link expired. Continue setting up payouts to get a new one.")
        await self._reload()
        if onboarding == accounts.ONBOARDING_DONE and self.account.status != "enabled":
            return SellerPayoutsState.watch_account

    @rx.event(background=True)
    async def watch_account(self):
        """Back from onboarding: read the page again every second until the provider's event
        has changed the account's status (or half a minute has passed)."""
        async with self:
            if self.watching:
                return
            self.watching, before = True, self.account.status
        try:
            for _ in range(WATCH_SECONDS):
                await asyncio.sleep(1)
                async with self:
                    await self._reload()
                    if self.account.status != before:
                        return
        finally:
            async with self:
                self.watching = False

    @rx.event(background=True)
    async def connect(self):
        """Open (or continue, or change) the payout account at the provider's onboarding."""
        async with self:
            if self.connecting:
                return
            self.connecting, self.error = True, ""
            actor = await current_actor(self)
        result = await service_call.call(
            accounts.start_onboarding, actor, connect_provider(), base_url=get_settings().base_url
        )
        async with self:
            self.connecting = False
            self.error = "" if self._ask_for_step_up(result) else result.error
        if result.ok:
            yield rx.redirect(local_path(result.value))


@dataclasses.dataclass(frozen=True)
class PayoutLine:
    shop_name: str
    currency: str
    sales_label: str
    refunds_label: str
    disputed_label: str
    pending_label: str
    available_label: str
    paid_out_label: str


class AdminPayoutsState(PageState, rx.State):
    """The payout schedule, a run now, every shop's balance and payouts with their failures."""

    rows: list[PayoutLine] = []
    schedule_interval: str = "weekly"
    schedule_weekday: str = "0"
    schedule_minimum: str = "10"
    schedule_label: str = ""
    payouts: list[PayoutView] = []
    failed: int = 0
    connected_accounts: int = 0
    failed_only: bool = False
    running: bool = False

    async def _reload(self) -> None:
        result = await self._call(views.admin_payouts_page, failed_only=self.failed_only)
        if not result.ok:
            self.error = result.error
        else:
            page = result.value
            self.schedule_interval, self.schedule_weekday = page.schedule.interval, str(page.schedule.weekday)
            self.schedule_minimum, self.schedule_label = str(page.schedule.minimum_major), page.schedule.label
            self.payouts, self.failed, self.connected_accounts = page.payouts, page.failed, page.connected_accounts
        report = await self._call(ledger.payouts_report)
        self.rows = [
            PayoutLine(
                shop_name=row.shop_name,
                currency=row.currency,
                **{
                    f"{name}_label": format_money(Money(getattr(row, name), row.currency))
                    for name in ("sales", "refunds", "disputed", "pending", "available", "paid_out")
                },
            )
            for row in report.value or []
        ]
        self.loaded = True

    @rx.event
    async def download_csv(self):
        result = await self._call(ledger.payouts_csv)
        if not result.ok:
            self.error = result.error
            return None
        return rx.download(data=result.value, filename="payouts.csv")

    @rx.event
    async def load(self):
        self.error = self.notice = ""
        self.failed_only = self.router.url.query_parameters.get("show", "") == "failed"
        await self._reload()

    @rx.event
    async def save_schedule(self, form_data: dict[str, Any]):
        await self._act(
            schedule.set_schedule,
            **text_fields(form_data, "interval", "weekday", "minimum"),
            done=lambda view: bo_gettext("Payout schedule saved: {schedule}.", schedule=view.label),
        )

    @rx.event
    async def run_now(self):
        self.running = True
        yield
        await self._act(admin.run_payouts_now, done=lambda count: f"{count} payout(s) created and on their way.")
        self.running = False
