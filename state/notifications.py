"""In-app notifications: the navbar's unread badge, the notifications page, and live delivery.

Each signed-in tab runs one background watcher that asks the database every
few seconds whether anything new arrived (`inapp.live_status`, two indexed
lookups). New notifications appear as toasts; when the seller's figures change,
an open dashboard reloads. Asking the database (rather than an in-process
signal) works the same whether the sale was handled by this process, another
replica, or a Redis worker.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import reflex as rx

from commerce.accounts import Actor
from commerce.kit.ids import parse_id
from commerce.kit.pagination import Page
from commerce.notifications import inapp, preferences
from commerce.notifications.inapp import NotificationView
from commerce.notifications.preferences import PreferenceView
from state import service_call
from state.analytics import DashboardState
from state.catalog import Pagination, page_number
from state.form_data import text_field
from state.session import SessionState, client_connected, current_actor

POLL_SECONDS = 2.0
# A watcher whose tab went away without the server noticing stops on its own.
MAX_WATCH_SECONDS = 6 * 60 * 60


class NotificationsState(rx.State):
    unread: int = 0
    items: list[NotificationView] = []
    pagination: Pagination = Pagination()
    loaded: bool = False
    # The page of the list shown (`?page=`), which the watcher and mark-as-read list again.
    _page: int = 1
    _latest_id: int = -1
    _figures_stamp: str = ""
    _watching: bool = False

    @rx.event
    async def start(self):
        """On every page load: the badge, and (once per tab) the live watcher."""
        actor = await current_actor(self)
        if not actor.is_signed_in:
            self.unread = 0
            return
        result = await service_call.call(inapp.live_status, actor)
        if not result.ok:
            return
        self.unread = result.value.unread
        if self._latest_id < 0:
            self._latest_id, self._figures_stamp = result.value.latest_id, result.value.figures_stamp
        if not self._watching:
            self._watching = True
            return NotificationsState.watch

    @rx.event(background=True)
    async def watch(self):
        started = time.monotonic()
        try:
            async with self:
                session = await self.get_state(SessionState)
                actor = Actor(user_id=session._user_id, role=session._role, shop_id=session._shop_id)
            while actor.is_signed_in and time.monotonic() - started < MAX_WATCH_SECONDS:
                await asyncio.sleep(POLL_SECONDS)
                async with self:
                    session = await self.get_state(SessionState)
                    if session._user_id != actor.user_id or not client_connected(self):
                        return
                    seen = self._latest_id
                result = await service_call.call(inapp.live_status, actor)
                if not result.ok:
                    return
                status = result.value
                fresh: list[NotificationView] = []
                if status.latest_id > seen:
                    fresh = (await service_call.call(inapp.notifications_after, actor, seen)).value or []
                async with self:
                    self.unread = status.unread
                    self._latest_id = max(self._latest_id, status.latest_id)
                    figures_changed = status.figures_stamp != self._figures_stamp
                    self._figures_stamp = status.figures_stamp
                    shown_page = self._page if fresh and self.loaded else 0
                if shown_page:
                    # New ones push older ones along the pages: list the shown page again.
                    listed = await service_call.call(inapp.list_notifications, actor, page=shown_page)
                    async with self:
                        if listed.ok and self._page == shown_page:
                            self._show(listed.value)
                for note in fresh:
                    yield rx.toast.info(note.title, description=note.body, duration=8000, id=f"notification-{note.id}")
                if figures_changed:
                    yield DashboardState.refresh_live
        finally:
            async with self:
                self._watching = False

    @rx.event
    async def load_page(self):
        self._page = page_number(self)
        actor = await current_actor(self)
        result = await service_call.call(inapp.list_notifications, actor, page=self._page)
        self._show(result.value if result.ok else None)
        self.loaded = True

    def _show(self, listed: Page | None) -> None:
        self.items = listed.items if listed else []
        self.pagination = Pagination.of(listed) if listed else Pagination()

    @rx.event
    async def mark_read(self, notification_id: int):
        notification_id = parse_id(notification_id)
        if notification_id is None:
            return
        actor = await current_actor(self)
        await service_call.call(inapp.mark_read, actor, [notification_id])
        await self._refresh(actor)

    @rx.event
    async def mark_all_read(self):
        actor = await current_actor(self)
        await service_call.call(inapp.mark_read, actor)
        await self._refresh(actor)

    async def _refresh(self, actor: Actor) -> None:
        listed = await service_call.call(inapp.list_notifications, actor, page=self._page)
        self._show(listed.value if listed.ok else None)
        status = await service_call.call(inapp.live_status, actor)
        if status.ok:
            self.unread = status.value.unread


class PreferencesState(rx.State):
    notifications: list[PreferenceView] = []
    share_email: bool = True
    sms_number: str = ""
    error: str = ""
    notice: str = ""

    @rx.event
    async def load(self):
        self.error = self.notice = ""
        actor = await current_actor(self)
        result = await service_call.call(preferences.get_preferences, actor)
        if result.ok:
            self._apply(result.value)

    @rx.event
    async def set_notification(self, kind: str, channel: str, enabled: Any):
        actor = await current_actor(self)
        result = await service_call.call(
            preferences.set_notification_preference, actor, kind=kind, channel=channel, enabled=enabled
        )
        self._show(result, "Your notification choices are saved.")

    @rx.event
    async def set_share_email(self, enabled: Any):
        actor = await current_actor(self)
        result = await service_call.call(preferences.set_share_email, actor, enabled=enabled)
        self._show(result, "Your privacy choice is saved.")

    @rx.event
    async def set_sms_number(self, form_data: dict[str, Any]):
        actor = await current_actor(self)
        result = await service_call.call(preferences.set_sms_number, actor, number=text_field(form_data, "sms_number"))
        self._show(
            result,
            "Your mobile number is saved." if text_field(form_data, "sms_number") else "Your mobile number is removed.",
        )

    def _apply(self, view: preferences.PreferencesView) -> None:
        self.notifications, self.share_email = view.notifications, view.share_email_with_sellers
        self.sms_number = view.sms_number

    def _show(self, result: service_call.Result, notice: str) -> None:
        if result.ok:
            self._apply(result.value)
            self.error, self.notice = "", notice
        else:
            self.error, self.notice = result.error, ""
