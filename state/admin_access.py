"""An admin acting on what an order granted: withdrawing it (fraud, abuse) without a
refund, or giving the buyer their downloads back."""

from __future__ import annotations

from typing import Any

import reflex as rx

from commerce.delivery import downloads, grants
from state import service_call
from state.form_data import text_field
from state.session import current_actor


class AdminAccessState(rx.State):
    error: str = ""
    notice: str = ""
    pending: bool = False
    form_key: int = 0

    @rx.event
    async def revoke(self, form_data: dict[str, Any]):
        reference = text_field(form_data, "order_reference").upper()
        reason = text_field(form_data, "reason")
        self.error = self.notice = ""
        if not reference:
            self.error = "Enter the order reference, for example ORD-7Q2K9XW3AB."
            return
        self.pending = True
        yield
        actor = await current_actor(self)
        result = await service_call.call(grants.revoke_order_access, actor, reference, reason=reason)
        self.pending = False
        if not result.ok:
            self.error = result.error
            return
        count = result.value
        self.notice = (
            f"Access withdrawn from {count} product{'' if count == 1 else 's'} of {reference}: "
            "its downloads and license keys stopped working."
        )
        self.form_key += 1

    @rx.event
    async def reset_downloads(self, reference: str):
        self.error = self.notice = ""
        actor = await current_actor(self)
        result = await service_call.call(downloads.reset_order_downloads, actor, str(reference)[:40])
        if not result.ok:
            self.error = result.error
        elif result.value == 0:
            self.notice = "The buyer has no downloads to reset on this order."
        else:
            self.notice = "The buyer's download allowance is back to full."
