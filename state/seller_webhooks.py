"""The studio's webhooks page: endpoints, their signing secrets, and each delivery."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

import routes
from commerce.i18n import bo_gettext
from commerce.kit.ids import parse_id
from commerce.webhooks_out import service as webhooks
from commerce.webhooks_out.service import EndpointView, EventTypeView, MessageView
from state import service_call
from state.form_data import text_field
from state.page import Pagination, paged
from state.session import client_connected, current_actor
from state.step_up import StepUpMixin

EVENT_FIELD_PREFIX = "event__"
# While the page is open, the shown deliveries are read again this often (new deliveries
# and retries land without a reload), for at most WATCH_SECONDS after it was opened.
WATCH_EVERY_SECONDS = 5.0
WATCH_SECONDS = 15 * 60


class SellerWebhooksState(StepUpMixin, rx.State):
    endpoints: list[EndpointView] = []
    event_types: list[EventTypeView] = []
    # The endpoint whose deliveries are shown (0: none chosen yet) and its deliveries.
    selected: int = 0
    deliveries: list[MessageView] = []
    deliveries_page: Pagination = Pagination()
    # A secret the seller asked to see, and which endpoint it belongs to.
    signing_secret: str = ""
    secret_for: int = 0
    secret_note: str = ""
    pending: bool = False
    _watching: bool = False

    async def _reload(self) -> None:
        self.event_types = webhooks.event_types()
        self.endpoints = (await self._call(webhooks.list_endpoints)).value or []
        if self.selected not in {e.id for e in self.endpoints}:
            self.selected = self.endpoints[0].id if self.endpoints else 0
        await self._load_deliveries(self.deliveries_page.page)
        self.loaded = True

    async def _load_deliveries(self, page: int = 1) -> None:
        if not self.selected:
            self.deliveries, self.deliveries_page = [], Pagination()
            return
        self.deliveries, self.deliveries_page = paged(
            await self._call(webhooks.list_messages, self.selected, page=page)
        )

    @rx.event
    async def load(self):
        self.error = self.notice = self.signing_secret = ""
        self.secret_for = 0
        await self._reload()
        if not self._watching:
            return SellerWebhooksState.watch_deliveries

    @rx.event(background=True)
    async def watch_deliveries(self):
        """Keep the shown page of deliveries current while the tab is open (bounded)."""
        async with self:
            if self._watching:
                return
            self._watching = True
        try:
            for _ in range(int(WATCH_SECONDS / WATCH_EVERY_SECONDS)):
                await asyncio.sleep(WATCH_EVERY_SECONDS)
                async with self:
                    if not client_connected(self) or self.router.url.path.rstrip("/") != routes.SELLER_WEBHOOKS:
                        return
                    selected, page, actor = self.selected, self.deliveries_page.page, await current_actor(self)
                if not selected:
                    continue
                result = await service_call.call(webhooks.list_messages, actor, selected, page=page)
                async with self:
                    if self.selected == selected and result.ok:
                        deliveries, pagination = paged(result)
                        if deliveries != self.deliveries:
                            self.deliveries, self.deliveries_page = deliveries, pagination
        finally:
            async with self:
                self._watching = False

    @rx.event
    async def create(self, form_data: dict[str, Any]):
        self.pending = True
        yield
        chosen = [
            key.removeprefix(EVENT_FIELD_PREFIX)
            for key, value in form_data.items()
            if key.startswith(EVENT_FIELD_PREFIX) and value
        ]
        result = await self._act(
            webhooks.create_endpoint,
            url=text_field(form_data, "url"),
            event_types=chosen,
            description=text_field(form_data, "description"),
            done=bo_gettext("Endpoint added. Copy its signing secret now to verify what it receives."),
        )
        if result.ok:
            self.signing_secret, self.secret_for, self.secret_note = result.value.secret, result.value.endpoint_id, ""
            self.selected = result.value.endpoint_id
            await self._load_deliveries()
        self._ask_for_step_up(result)
        self.pending = False

    @rx.event
    async def show_deliveries(self, endpoint_id: int):
        endpoint_id = parse_id(endpoint_id)
        if endpoint_id is not None:
            self.selected = endpoint_id
            await self._load_deliveries()

    @rx.event
    async def refresh_deliveries(self):
        await self._load_deliveries(self.deliveries_page.page)

    @rx.event
    async def deliveries_page_to(self, page: int):
        if isinstance(page, int) and page > 0:
            await self._load_deliveries(page)

    @rx.event
    async def reveal(self, endpoint_id: int):
        endpoint_id = parse_id(endpoint_id)
        if endpoint_id is None:
            return
        result = await self._call(webhooks.reveal_secret, endpoint_id)
        if not result.ok:
            self.error = result.error
            self._ask_for_step_up(result)
            return
        self.signing_secret, self.secret_for = result.value.secret, endpoint_id
        self.secret_note = (
            bo_gettext(
                "The previous secret also signs until {moment}.", moment=result.value.previous_secret_until_label
            )
            if result.value.previous_secret_until_label
            else ""
        )

    @rx.event
    async def rotate(self, endpoint_id: int):
        endpoint_id = parse_id(endpoint_id)
        if endpoint_id is None:
            return
        result = await self._act(webhooks.rotate_secret, endpoint_id, done=bo_gettext("New signing secret made."))
        if not self._ask_for_step_up(result) and result.ok:
            self.signing_secret, self.secret_for = result.value.secret, endpoint_id
            self.secret_note = bo_gettext(
                "Both secrets sign every message until {moment}: switch your receiver to the new one before then.",
                moment=result.value.previous_secret_until_label,
            )

    @rx.event
    async def hide_secret(self):
        self.signing_secret, self.secret_for, self.secret_note = "", 0, ""

    @rx.event
    async def set_enabled(self, endpoint_id: int, enabled: bool):
        endpoint_id = parse_id(endpoint_id)
        if endpoint_id is not None and isinstance(enabled, bool):
            await self._act(
                webhooks.set_endpoint_enabled,
                endpoint_id,
                enabled=enabled,
                done=bo_gettext("Endpoint turned on.")
                if enabled
                else bo_gettext("Endpoint turned off: nothing is sent to it."),
            )

    @rx.event
    async def delete(self, endpoint_id: int):
        endpoint_id = parse_id(endpoint_id)
        if endpoint_id is not None:
            await self._act(
                webhooks.delete_endpoint, endpoint_id, done=bo_gettext("Endpoint deleted: nothing more is sent to it.")
            )
            if self.secret_for == endpoint_id:
                self.signing_secret, self.secret_for, self.secret_note = "", 0, ""

    @rx.event
    async def resend(self, message_id: str):
        if isinstance(message_id, str) and message_id:
            await self._act(webhooks.resend_message, message_id, done=bo_gettext("Delivery sent again."))
