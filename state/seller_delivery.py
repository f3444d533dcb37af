"""A product's delivery as its seller manages it: download rules, counts and resets,
and the license keys sold (revoke, re-enable, replace, reveal, activations).

Every handler passes ids straight to a service, which checks that the actor
sells the product; an id of someone else's key or buyer gets "not found".
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from commerce.delivery import downloads
from commerce.delivery.downloads import DeliverySettingsView, DownloadStats
from commerce.kit.ids import parse_id
from commerce.licensing import service as licensing
from commerce.licensing.service import KEY_FILTERS, ActivationView, SellerKeyRow
from state import service_call
from state.catalog import Pagination, page_number
from state.form_data import number_field
from state.session import current_actor

KEYS_PER_PAGE = 25


class SellerDeliveryState(rx.State):
    settings: DeliverySettingsView | None = None
    stats: DownloadStats | None = None
    keys: list[SellerKeyRow] = []
    pagination: Pagination = Pagination()
    key_filter: str = "all"
    not_found: bool = False
    loaded: bool = False
    form_key: int = 0

    settings_error: str = ""
    settings_notice: str = ""
    action_error: str = ""
    action_notice: str = ""
    revealed: dict[str, str] = {}
    activations_for: int = 0
    activations: list[ActivationView] = []

    def _product_id(self) -> int:
        return parse_id(self.delivery_product_id) or 0  # the dynamic segment of routes.SELLER_DELIVERY

    async def _reload(self) -> None:
        actor = await current_actor(self)
        product_id = self._product_id()
        result = await service_call.call(downloads.delivery_settings, actor, product_id)
        self.not_found = not result.ok
        self.settings = result.value
        if result.ok:
            stats = await service_call.call(downloads.download_stats, actor, product_id)
            self.stats = stats.value
            if result.value.delivers_keys:
                page = await service_call.call(
                    licensing.list_product_keys,
                    actor,
                    product_id,
                    status=self.key_filter,
                    page=page_number(self),
                    per_page=KEYS_PER_PAGE,
                )
                self.keys = page.value.items if page.ok else []
                self.pagination = Pagination.of(page.value) if page.ok else Pagination()
        self.form_key += 1
        self.loaded = True

    @rx.event
    async def load(self):
        self.loaded = False
        raw = self.router.url.query_parameters.get("keys", "all")
        self.key_filter = raw if raw in KEY_FILTERS else "all"
        self.settings_error = self.settings_notice = self.action_error = self.action_notice = ""
        self.revealed, self.activations_for, self.activations = {}, 0, []
        await self._reload()

    @rx.event
    async def save_settings(self, form_data: dict[str, Any]):
        self.settings_error = self.settings_notice = ""
        limit = number_field(form_data, "download_limit")
        minutes = number_field(form_data, "link_minutes")
        actor = await current_actor(self)
        result = await service_call.call(
            downloads.set_delivery_settings,
            actor,
            self._product_id(),
            download_limit=limit,
            link_minutes=minutes if minutes is not None else 0,
        )
        if not result.ok:
            self.settings_error = result.error
            return
        self.settings = result.value
        self.settings_notice = "Download settings saved."

    async def _act(self, fn, *args, notice: str, **kwargs) -> None:
        self.action_error = self.action_notice = ""
        actor = await current_actor(self)
        result = await service_call.call(fn, actor, *args, **kwargs)
        if not result.ok:
            self.action_error = result.error
            return
        await self._reload()
        self.action_notice = notice

    @rx.event
    async def reset_downloads(self, buyer_id: int):
        await self._act(
            downloads.reset_downloads, self._product_id(), buyer_id, notice="The buyer's downloads were reset."
        )

    @rx.event
    async def revoke_key(self, key_id: int):
        await self._act(licensing.revoke_key, key_id, notice="The key was revoked; it no longer validates.")

    @rx.event
    async def reenable_key(self, key_id: int):
        await self._act(licensing.reenable_key, key_id, notice="The key works again.")

    @rx.event
    async def rotate_key(self, key_id: int):
        self.revealed = {}
        await self._act(
            licensing.rotate_key,
            key_id,
            notice="The buyer has a new key in their library; the old one no longer validates.",
        )

    @rx.event
    async def reveal_key(self, key_id: int):
        actor = await current_actor(self)
        result = await service_call.call(licensing.reveal_key, actor, key_id)
        if result.ok:
            self.revealed = {**self.revealed, str(key_id): result.value}
        else:
            self.action_error = result.error

    @rx.event
    async def show_activations(self, key_id: int):
        if self.activations_for == key_id:
            self.activations_for, self.activations = 0, []
            return
        actor = await current_actor(self)
        result = await service_call.call(licensing.key_activations, actor, key_id)
        if result.ok:
            self.activations_for, self.activations = key_id, result.value
        else:
            self.action_error = result.error
