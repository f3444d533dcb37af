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
from commerce.i18n import bo_gettext, bo_N_, bo_ngettext
from commerce.kit.ids import parse_id
from commerce.licensing import service as licensing
from commerce.licensing.service import KEY_FILTERS, ActivationView, SellerKeyRow
from state.form_data import number_field
from state.page import PageState, Pagination, page_number, paged

KEYS_PER_PAGE = 25


class SellerDeliveryState(PageState, rx.State):
    settings: DeliverySettingsView | None = None
    stats: DownloadStats | None = None
    keys: list[SellerKeyRow] = []
    pagination: Pagination = Pagination()
    key_filter: str = "all"
    not_found: bool = False

    # The download settings form's own outcome (`error` and `notice` are the key and buyer actions').
    settings_error: str = ""
    settings_notice: str = ""
    revealed: dict[str, str] = {}
    activations_for: int = 0
    activations: list[ActivationView] = []
    # Sentences with a number, whose plural only the server can choose.
    downloads_total: str = ""
    waiting_note: str = ""

    def _product_id(self) -> int:
        return parse_id(self.delivery_product_id) or 0  # the dynamic segment of routes.SELLER_DELIVERY

    async def _reload(self) -> None:
        product_id = self._product_id()
        result = await self._call(downloads.delivery_settings, product_id)
        self.not_found, self.settings = not result.ok, result.value
        if result.ok:
            self.stats = (await self._call(downloads.download_stats, product_id)).value
            total = self.stats.total if self.stats is not None else 0
            self.downloads_total = bo_ngettext("{count} download in total", "{count} downloads in total", total)
            self.waiting_note = bo_ngettext(
                "{count} paid sale is waiting for a license key: import more keys in the product editor and it is "
                "delivered at once.",
                "{count} paid sales are waiting for a license key: import more keys in the product editor and they "
                "are delivered at once.",
                result.value.waiting,
            )
            if result.value.delivers_keys:
                self.keys, self.pagination = paged(
                    await self._call(
                        licensing.list_product_keys,
                        product_id,
                        status=self.key_filter,
                        page=page_number(self),
                        per_page=KEYS_PER_PAGE,
                    )
                )
        self.form_key += 1
        self.loaded = True

    @rx.event
    async def load(self):
        self.loaded = False
        raw = self.router.url.query_parameters.get("keys", "all")
        self.key_filter = raw if raw in KEY_FILTERS else "all"
        self.settings_error = self.settings_notice = self.error = self.notice = ""
        self.revealed, self.activations_for, self.activations = {}, 0, []
        await self._reload()

    @rx.event
    async def save_settings(self, form_data: dict[str, Any]):
        minutes = number_field(form_data, "link_minutes")
        result = await self._call(
            downloads.set_delivery_settings,
            self._product_id(),
            download_limit=number_field(form_data, "download_limit"),
            link_minutes=minutes if minutes is not None else 0,
            protection=str(form_data.get("protection") or ""),
            online_only=form_data.get("online_only") in ("on", True, "true"),
        )
        self.settings_error = result.error
        self.settings_notice = bo_gettext("Download settings saved.") if result.ok else ""
        if result.ok:
            self.settings = result.value

    @rx.event
    async def reset_downloads(self, buyer_id: int):
        await self._act(
            downloads.reset_downloads, self._product_id(), buyer_id, done=bo_N_("The buyer's downloads were reset.")
        )

    @rx.event
    async def revoke_key(self, key_id: int):
        await self._act(licensing.revoke_key, key_id, done=bo_N_("The key was revoked; it no longer validates."))

    @rx.event
    async def reenable_key(self, key_id: int):
        await self._act(licensing.reenable_key, key_id, done=bo_N_("The key works again."))

    @rx.event
    async def rotate_key(self, key_id: int):
        self.revealed = {}
        await self._act(
            licensing.rotate_key,
            key_id,
            done=bo_N_("The buyer has a new key in their library; the old one no longer validates."),
        )

    @rx.event
    async def reveal_key(self, key_id: int):
        result = await self._call(licensing.reveal_key, key_id)
        if result.ok:
            self.revealed = {**self.revealed, str(key_id): result.value}
        else:
            self.error = result.error

    @rx.event
    async def show_activations(self, key_id: int):
        if self.activations_for == key_id:
            self.activations_for, self.activations = 0, []
            return
        result = await self._call(licensing.key_activations, key_id)
        if result.ok:
            self.activations_for, self.activations = key_id, result.value
        else:
            self.error = result.error
