"""The studio's Developers page: the shop's API keys, a new key shown once, revoking."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from commerce.api import keys
from commerce.api.scopes import RESOURCE_LABELS, WRITABLE, Access, Resource, scope
from commerce.i18n import bo_gettext, format_datetime
from commerce.kit.ids import parse_id
from state.form_data import text_field
from state.step_up import StepUpMixin


@dataclasses.dataclass(frozen=True)
class KeyRow:
    id: int
    name: str
    prefix: str
    scopes_label: str
    created_label: str
    last_used_label: str
    expires_label: str
    status_label: str
    active: bool


@dataclasses.dataclass(frozen=True)
class ScopeChoice:
    """One resource's access select: its form name, label and the levels it offers."""

    name: str
    label: str
    writable: bool


SCOPE_CHOICES = [
    ScopeChoice(name=f"scope_{resource}", label=RESOURCE_LABELS[resource], writable=resource in WRITABLE)
    for resource in Resource
]


def _row(key: keys.ApiKeyView) -> KeyRow:
    """A key as the list shows it, in the seller's language (the handler has spoken it)."""
    if key.revoked_at is not None:
        status = bo_gettext("Revoked {moment}", moment=format_datetime(key.revoked_at))
    elif not key.active:
        status = bo_gettext("Expired")
    else:
        status = bo_gettext("Active")
    return KeyRow(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        scopes_label=", ".join(key.scopes),
        created_label=format_datetime(key.created_at),
        last_used_label=format_datetime(key.last_used_at) or bo_gettext("Never used"),
        expires_label=bo_gettext("Expires {moment}", moment=format_datetime(key.expires_at))
        if key.expires_at
        else bo_gettext("Never expires"),
        status_label=status,
        active=key.active,
    )


def scopes_from_form(form_data: dict[str, Any]) -> list[str]:
    """Each resource's select: "" (no access), "read" or "write"."""
    chosen = []
    for resource in Resource:
        level = text_field(form_data, f"scope_{resource}")
        if level in (Access.READ, Access.WRITE):
            chosen.append(scope(resource, Access(level)))
        elif level:
            chosen.append(f"{resource}:{level}")  # refused by the service with its message
    return chosen


def expiry_from_form(form_data: dict[str, Any]) -> int | None | str:
    text = text_field(form_data, "expires_in_days")
    return None if text in ("", "never") else (parse_id(text) or text)


class DevelopersState(StepUpMixin, rx.State):
    keys: list[KeyRow] = []
    # The key just created, shown once: gone on the next load or when dismissed.
    new_secret: str = ""
    new_prefix: str = ""
    pending: bool = False

    async def _reload(self) -> None:
        self.keys = [_row(key) for key in (await self._call(keys.list_api_keys)).value or []]
        self.loaded = True

    @rx.event
    async def load(self):
        self.error = self.notice = ""
        self.new_secret = self.new_prefix = ""
        await self._reload()

    @rx.event
    async def create(self, form_data: dict[str, Any]):
        self.pending = True
        self.new_secret = self.new_prefix = ""
        yield
        result = await self._act(
            keys.create_api_key,
            name=text_field(form_data, "name"),
            scopes=scopes_from_form(form_data),
            expires_in_days=expiry_from_form(form_data),
            done=lambda created: bo_gettext(
                "Key {name} created. Copy it now: it is not shown again.", name=created.key.name
            ),
        )
        if result.ok:
            self.new_secret, self.new_prefix = result.value.secret, result.value.key.prefix
        self._ask_for_step_up(result)
        self.pending = False

    @rx.event
    def dismiss_secret(self):
        self.new_secret = self.new_prefix = ""

    @rx.event
    async def revoke(self, key_id: int):
        key_id = parse_id(key_id)
        if key_id is not None:
            self.new_secret = self.new_prefix = ""
            await self._act(
                keys.revoke_api_key,
                key_id,
                done=lambda key: bo_gettext("Key {name} revoked: requests with it are refused.", name=key.name),
            )
