"""An admin acting on what an order granted: withdrawing it (fraud, abuse) without a
refund, or giving the buyer their downloads back."""

from __future__ import annotations

from typing import Any

import reflex as rx

from commerce.delivery import downloads, grants
from commerce.i18n import bo_gettext, bo_ngettext
from state.form_data import text_field
from state.language import speaking
from state.page import PageState


def _withdrawn(reference: str):
    def notice(count: int) -> str:
        return bo_ngettext(
            "Access withdrawn from {count} product of {reference}: its downloads and license keys stopped working.",
            "Access withdrawn from {count} products of {reference}: their downloads and license keys stopped working.",
            count,
            reference=reference,
        )

    return notice


class AdminAccessState(PageState, rx.State):
    pending: bool = False

    @rx.event
    async def revoke(self, form_data: dict[str, Any]):
        reference = text_field(form_data, "order_reference").upper()
        self.error = self.notice = ""
        if not reference:
            await speaking(self)
            self.error = bo_gettext("Enter the order reference, for example {reference}.", reference="ORD-7Q2K9XW3AB")
            return
        self.pending = True
        yield
        await self._act(
            grants.revoke_order_access, reference, reason=text_field(form_data, "reason"), done=_withdrawn(reference)
        )
        self.pending = False

    @rx.event
    async def reset_downloads(self, reference: str):
        await self._act(
            downloads.reset_order_downloads,
            str(reference)[:40],
            done=lambda count: (
                bo_gettext("The buyer has no downloads to reset on this order.")
                if count == 0
                else bo_gettext("The buyer's download allowance is back to full.")
            ),
        )
