"""Asking for a recent second factor where a page changes something sensitive.

A page state mixes in `StepUpMixin`: a change refused with `StepUpRequired` shows the
confirm prompt (`step_up_prompt` in components/step_up.py), and a code from the
authenticator app or a recovery code confirms this session for ten minutes.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from commerce.accounts import step_up
from commerce.accounts.activity import Client
from commerce.i18n import N_
from state.form_data import text_field
from state.page import PageState
from state.service_call import Result


class StepUpMixin(PageState, mixin=True):
    # A change asked for a recent second factor: the confirm prompt is shown.
    step_up_needed: bool = False

    def _client(self) -> Client:
        return Client(ip=self.router.session.client_ip or None, user_agent=self.router.headers.user_agent or "")

    def _ask_for_step_up(self, result: Result) -> bool:
        """Whether `result` was refused for want of a recent second factor (then the prompt shows)."""
        self.step_up_needed = result.field == step_up.STEP_UP_FIELD
        return self.step_up_needed

    @rx.event
    async def confirm_step_up(self, form_data: dict[str, Any]):
        result = await self._act(
            step_up.confirm_with_code,
            code=text_field(form_data, "code"),
            client=self._client(),
            done=N_("Confirmed. Make your change now."),
        )
        if result.ok:
            self.step_up_needed = False
