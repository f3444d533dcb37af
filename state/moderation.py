"""The moderation queue page: filters, decisions on one item, bulk decisions.

Thin: every handler calls one moderation service as the session's actor (`PageState`),
which refuses (and logs) anyone but an administrator. Ids arriving in events or forms
only say which item is meant.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from commerce.i18n import bo_N_, bo_ngettext
from commerce.kit.ids import parse_id
from commerce.moderation import decisions, queue
from commerce.moderation.queue import QueueItem
from state.form_data import text_field
from state.page import PageState, Pagination, page_number, paged

QUEUE_PER_PAGE = 50


class ModerationState(PageState, rx.State):
    items: list[QueueItem] = []
    counts: dict[str, int] = {}
    pagination: Pagination = Pagination()
    kind: str = "all"
    age: str = "any"
    # Products ticked for a bulk decision.
    selected: list[int] = []

    async def _reload(self) -> None:
        result = await self._call(
            queue.moderation_queue, kind=self.kind, age=self.age, page=page_number(self), per_page=QUEUE_PER_PAGE
        )
        listed = result.map(lambda view: view.page)
        self.items, self.pagination = paged(listed)
        self.counts = result.value.counts if result.ok else {}
        if not result.ok:
            self.error = result.error
        shown = {item.subject_id for item in self.items if item.kind == "product"}
        self.selected = [product_id for product_id in self.selected if product_id in shown]
        # Every reload re-mounts the reason fields empty.
        self.form_key += 1

    @rx.event
    async def load(self):
        params = self.router.url.query_parameters
        kind, age = params.get("kind", "all"), params.get("age", "any")
        self.kind = kind if kind in queue.KINDS else "all"
        self.age = age if age in queue.AGES else "any"
        self.notice = self.error = ""
        self.selected = []
        await self._reload()
        self.loaded = True

    @rx.event
    async def set_kind(self, kind: str):
        self.kind = kind if kind in queue.KINDS else "all"
        self.notice = self.error = ""
        await self._reload()

    @rx.event
    async def set_age(self, age: str):
        self.age = age if age in queue.AGES else "any"
        self.notice = self.error = ""
        await self._reload()

    @rx.event
    async def approve(self, product_id: int):
        if parse_id(product_id) is not None:
            await self._act(decisions.approve_product, parse_id(product_id), done=bo_N_("Product approved."))

    @rx.event
    async def reject(self, form_data: dict[str, Any]):
        product_id = parse_id(form_data.get("product_id"))
        if product_id is not None:
            await self._act(
                decisions.reject_product,
                product_id,
                reason=text_field(form_data, "reason"),
                done=bo_N_("Product rejected; the seller sees your reason."),
            )

    @rx.event
    async def hide_review(self, form_data: dict[str, Any]):
        review_id = parse_id(form_data.get("review_id"))
        if review_id is not None:
            await self._act(
                decisions.hide_review, review_id, reason=text_field(form_data, "reason"), done=bo_N_("Review hidden.")
            )

    @rx.event
    async def dismiss_report(self, report_id: int):
        if parse_id(report_id) is not None:
            await self._act(decisions.dismiss_report, parse_id(report_id), done=bo_N_("Report dismissed."))

    @rx.event
    def toggle_selected(self, product_id: int, checked: bool):
        product_id = parse_id(product_id)
        if product_id is None:
            return
        if checked and product_id not in self.selected:
            self.selected = [*self.selected, product_id]
        elif not checked:
            self.selected = [pid for pid in self.selected if pid != product_id]

    @rx.event
    def clear_selection(self):
        self.selected = []

    async def _bulk(self, decision: str, reason: str) -> None:
        result = await self._act(
            decisions.bulk_products,
            list(self.selected),
            decision=decision,
            reason=reason,
            done=lambda outcome: (
                bo_ngettext("{count} product approved.", "{count} products approved.", outcome.done)
                if decision == "approve"
                else bo_ngettext("{count} product rejected.", "{count} products rejected.", outcome.done)
            ),
        )
        if result.ok:
            self.selected = []
            self.error = " ".join(result.value.problems)

    @rx.event
    async def bulk_approve(self):
        await self._bulk("approve", "")

    @rx.event
    async def bulk_reject(self, form_data: dict[str, Any]):
        await self._bulk("reject", text_field(form_data, "reason"))
