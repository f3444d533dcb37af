"""The account page's two-factor section, security activity and active sessions."""

from __future__ import annotations

from typing import Any

import reflex as rx

from commerce.accounts import activity, step_up, two_factor
from commerce.i18n import N_, gettext
from state.form_data import text_field
from state.language import speaking
from state.session import current_actor
from state.step_up import StepUpMixin


def _when(at) -> str:
    return at.strftime("%d %b %Y, %H:%M UTC")


def _where(place: str, ip: str) -> str:
    """ "Germany (203.0.113.9)": the country when known, with the address it comes from."""
    if place and ip:
        return f"{place} ({ip})"
    return place or ip


class AccountSecurityState(StepUpMixin, rx.State):
    totp_on: bool = False
    passkeys: list[dict[str, str]] = []
    recovery_codes_left: int = 0
    required: bool = False
    # Setting up the app: its QR code (an SVG data URL made on the server) and the secret to type.
    setup_qr: str = ""
    setup_secret: str = ""
    # New recovery codes, shown once (gone when the page is left).
    new_codes: list[str] = []
    events: list[dict[str, str]] = []
    sessions: list[dict[str, str]] = []
    admin_setup: bool = False

    async def _reload(self) -> None:
        status = await self._call(two_factor.second_factor_status)
        if status.ok:
            view = status.value
            self.totp_on, self.recovery_codes_left, self.required = (
                view.totp_on,
                view.recovery_codes_left,
                view.required,
            )
            self.passkeys = [
                {
                    "id": str(passkey.id),
                    "name": passkey.name,
                    "added": _when(passkey.created_at),
                    "used": _when(passkey.last_used_at) if passkey.last_used_at else "never",
                }
                for passkey in view.passkeys
            ]
        found = await self._call(activity.recent_activity)
        self.events = [
            {"what": row.what, "when": _when(row.at), "device": row.device, "place": _where(row.place, row.ip)}
            for row in found.value or []
        ]
        live = await self._call(activity.active_sessions)
        self.sessions = [
            {
                "id": row.session_id,
                "device": row.device,
                "place": _where(row.place, row.ip),
                "since": _when(row.signed_in_at),
                "this": "yes" if row.this_session else "",
            }
            for row in live.value or []
        ]
        self.loaded = True

    def _outcome(self, result) -> bool:
        self._ask_for_step_up(result)
        return result.ok

    @rx.event
    async def load(self):
        self.reset()
        self.admin_setup = self.router.url.query_parameters.get("setup", "") == "second-factor"
        await self._reload()

    @rx.event
    async def start_totp(self):
        self.error = self.notice = ""
        result = await self._call(two_factor.start_totp)
        if not self._outcome(result):
            self.error = result.error
            return
        self.setup_qr, self.setup_secret = result.value.qr_data_uri, result.value.secret

    @rx.event
    async def confirm_totp(self, form_data: dict[str, Any]):
        code = text_field(form_data, "code")
        result = await self._act(
            two_factor.confirm_totp, code=code, client=self._client(), done=N_("Two-factor sign-in is on.")
        )
        if self._outcome(result):
            self.setup_qr = self.setup_secret = ""
            self.new_codes = result.value or []
            # An administrator's console opens now: re-read who this session is.
            await current_actor(self)

    @rx.event
    async def disable_totp(self):
        result = await self._act(
            two_factor.disable_totp, client=self._client(), done=N_("The authenticator app is turned off.")
        )
        self._outcome(result)

    @rx.event
    async def regenerate_codes(self):
        result = await self._act(
            two_factor.regenerate_recovery_codes,
            client=self._client(),
            done=N_("New recovery codes are ready; the old ones no longer work."),
        )
        if self._outcome(result):
            self.new_codes = result.value or []

    @rx.event
    async def end_session(self, session_id: str):
        await self._act(
            activity.end_session, str(session_id)[:32], self._client(), done=N_("That session is signed out.")
        )

    @rx.event
    async def add_passkey(self, credential: str):
        result = await self._act(
            two_factor.add_passkey,
            credential=str(credential)[: 64 * 1024],
            client=self._client(),
            done=N_("Passkey added. You can sign in with it now."),
        )
        if self._outcome(result):
            self.new_codes = result.value or []
            await current_actor(self)

    @rx.event
    async def remove_passkey(self, passkey_id: str):
        raw = str(passkey_id)
        if not raw.isdigit() or len(raw) > 12:
            return
        result = await self._act(
            two_factor.remove_passkey, int(raw), client=self._client(), done=N_("Passkey removed.")
        )
        self._outcome(result)

    @rx.event
    async def confirm_step_up_passkey(self, credential: str):
        result = await self._act(
            step_up.confirm_with_passkey,
            credential=str(credential)[: 64 * 1024],
            done=N_("Confirmed. Make your change now."),
        )
        if result.ok:
            self.step_up_needed = False

    @rx.event
    async def passkey_failed(self, message: str):
        self.notice = ""
        await speaking(self)
        self.error = gettext("The passkey was not used: {reason}", reason=str(message)[:200])

    @rx.event
    def hide_codes(self):
        self.new_codes = []
