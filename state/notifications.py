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
import json
import time
from typing import Any

import reflex as rx
from reflex.event import EventHandler

from commerce.accounts.activity import device_label
from commerce.actor import Actor
from commerce.i18n import N_, gettext
from commerce.kit.ids import parse_id
from commerce.notifications import inapp, preferences, push
from commerce.notifications.inapp import NotificationView
from commerce.notifications.preferences import PreferenceView
from commerce.notifications.push import DeviceView
from state import service_call, watch_lease
from state.analytics import DashboardState
from state.form_data import text_field
from state.language import speaking
from state.page import PageState, Pagination, ServiceState, page_number, paged
from state.session import SessionState, client_connected

POLL_SECONDS = 2.0
# A watcher whose tab went away without the server noticing stops on its own.
MAX_WATCH_SECONDS = 6 * 60 * 60
TOAST_SECONDS = 8.0
MAX_TOASTS = 3


class NotificationsState(ServiceState, rx.State):
    unread: int = 0
    items: list[NotificationView] = []
    pagination: Pagination = Pagination()
    loaded: bool = False
    # The page of the list shown (`?page=`), which the watcher and mark-as-read list again.
    _page: int = 1
    _latest_id: int = -1
    _figures_stamp: str = ""
    # Each page load's number, and the load the watcher serves (0 when none runs).
    _load_number: int = 0
    _watched_load: int = 0
    # The watcher's claim on this tab (state.watch_lease): 0 when none runs.
    _watching_until: float = 0.0
    # New notifications shown for a few seconds in the corner of the page (a live region);
    # rendered from state, since Reflex's server-sent toasts evaluate code in the browser,
    # which the CSP forbids. Each: {"key", "title", "body"}.
    toasts: list[dict[str, str]] = []
    _toast_shown_at: dict[str, float] = {}

    async def _start(self, actor: Actor) -> EventHandler | None:
        """On every page load: the badge, and the live watcher for this load to run next.

        A watcher left from an earlier load stops at its next round: after a reload that
        reached another replica, the old one's process no longer has the tab's socket, so
        this load's watcher must not defer to it."""
        if not actor.is_signed_in:
            self.unread = 0
            return
        result = await service_call.call(inapp.live_status, actor)
        if not result.ok:
            return
        self.unread = result.value.unread
        if self._latest_id < 0:
            self._latest_id, self._figures_stamp = result.value.latest_id, result.value.figures_stamp
        self._load_number += 1
        return NotificationsState.watch

    @rx.event(background=True)
    async def watch(self):
        started = time.monotonic()
        async with self:
            load = watch_lease.claim(self)
            if load is None:
                return  # this load's watcher is already running
            session = await self.get_state(SessionState)
            actor = session._actor()
        try:
            while actor.is_signed_in and time.monotonic() - started < MAX_WATCH_SECONDS:
                await asyncio.sleep(POLL_SECONDS)
                async with self:
                    session = await self.get_state(SessionState)
                    if (
                        session._user_id != actor.user_id
                        or not client_connected(self)
                        or not watch_lease.renew(self, load)
                    ):
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
                    if self._load_number != load:
                        return  # what this one read is older than the new load's first look
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
                            self.items, self.pagination = paged(listed)
                async with self:
                    self._show_toasts(fresh)
                if figures_changed:
                    yield DashboardState.refresh_live
        finally:
            async with self:
                watch_lease.release(self, load)

    def _show_toasts(self, fresh: list[NotificationView]) -> None:
        now = time.monotonic()
        kept = [toast for toast in self.toasts if now - self._toast_shown_at.get(toast["key"], 0) < TOAST_SECONDS]
        for note in fresh:
            key = f"notification-{note.id}"
            self._toast_shown_at[key] = now
            kept.append({"key": key, "title": note.title, "body": note.body})
        kept = kept[-MAX_TOASTS:]
        self._toast_shown_at = {toast["key"]: self._toast_shown_at[toast["key"]] for toast in kept}
        if kept != self.toasts:
            self.toasts = kept

    @rx.event
    def dismiss_toast(self, key: str):
        self.toasts = [toast for toast in self.toasts if toast["key"] != key]

    @rx.event
    async def load_page(self):
        self._page = page_number(self)
        self.items, self.pagination = paged(await self._call(inapp.list_notifications, page=self._page))
        self.loaded = True

    @rx.event
    async def mark_read(self, notification_id: int):
        notification_id = parse_id(notification_id)
        if notification_id is not None:
            await self._call(inapp.mark_read, [notification_id])
            await self._refresh()

    @rx.event
    async def mark_all_read(self):
        await self._call(inapp.mark_read)
        await self._refresh()

    async def _refresh(self) -> None:
        self.items, self.pagination = paged(await self._call(inapp.list_notifications, page=self._page))
        status = await self._call(inapp.live_status)
        if status.ok:
            self.unread = status.value.unread


# What the account page's push script (assets/push.js) reports instead of a subscription.
PUSH_PROBLEMS = {
    "denied": N_("Your browser blocks notifications from this site: allow them in its site settings, then try again."),
    "unsupported": N_("This browser cannot receive push notifications."),
}


class PreferencesState(PageState, rx.State):
    notifications: list[PreferenceView] = []
    share_email: bool = True
    sms_number: str = ""
    push_available: bool = False
    push_public_key: str = ""
    push_devices: list[DeviceView] = []

    @rx.event
    async def load(self):
        self.error = self.notice = ""
        result = await self._call(preferences.get_preferences)
        if result.ok:
            self._apply(result.value)
        await self._reload()

    async def _reload(self) -> None:
        status = await self._call(push.push_status)
        if status.ok:
            self._apply_push(status.value)

    @rx.event
    async def save_push_subscription(self, form_data: dict[str, Any]):
        """The push script's answer: a subscription to keep, or why the browser gave none."""
        raw = text_field(form_data, "subscription")
        try:
            problem = json.loads(raw).get("error") if raw else "unsupported"
        except (ValueError, AttributeError):
            problem = "unsupported"
        if problem:
            await speaking(self)
            known = PUSH_PROBLEMS.get(str(problem))
            self.notice = ""
            self.error = (
                gettext(known)
                if known
                else gettext("The browser could not subscribe: {problem}", problem=str(problem)[:200])
            )
            return
        await self._act(
            push.subscribe,
            subscription=raw,
            device=device_label(self.router.headers.user_agent or ""),
            done=N_("This browser now receives your push notifications."),
        )

    @rx.event
    async def remove_push_device(self, device_id: int):
        await self._act(
            push.remove_device, parse_id(device_id), done=N_("That browser no longer receives push messages.")
        )

    def _apply_push(self, status: push.PushStatus) -> None:
        self.push_available, self.push_public_key = status.available, status.public_key
        self.push_devices = status.devices

    @rx.event
    async def set_notification(self, kind: str, channel: str, enabled: Any):
        await self._act(
            preferences.set_notification_preference,
            kind=kind,
            channel=channel,
            enabled=enabled,
            done=N_("Your notification choices are saved."),
            show=self._apply,
        )

    @rx.event
    async def set_share_email(self, enabled: Any):
        await self._act(
            preferences.set_share_email,
            enabled=enabled,
            done=N_("Your privacy choice is saved."),
            show=self._apply,
        )

    @rx.event
    async def set_sms_number(self, form_data: dict[str, Any]):
        number = text_field(form_data, "sms_number")
        await self._act(
            preferences.set_sms_number,
            number=number,
            done=N_("Your mobile number is saved.") if number else N_("Your mobile number is removed."),
            show=self._apply,
        )

    def _apply(self, view: preferences.PreferencesView) -> None:
        self.notifications, self.share_email = view.notifications, view.share_email_with_sellers
        self.sms_number = view.sms_number
