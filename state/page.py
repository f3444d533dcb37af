"""What every page state shares: calling services as the session's actor, the error or
notice a change leaves, and where a paged list stands.

    class SellerDiscountsState(PageState, rx.State):
        codes: list[DiscountCodeView] = []

        async def _reload(self) -> None:
            self.codes = (await self._call(discounts.list_codes)).value or []

        @rx.event
        async def end(self, code_id: int):
            await self._act(discounts.end_code, parse_id(code_id), done=lambda code: f"Code {code.code} ended.")

A mixin (flat states, as Reflex wants them): each page state is still a direct substate of
rx.State with these vars and helpers of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import reflex as rx

from commerce.i18n import translate_marked
from commerce.kit.pagination import Page
from state import service_call
from state.service_call import Result
from state.session import current_actor


def page_number(state: rx.State) -> int:
    """`?page=` of the current address, 1 when missing or nonsense."""
    return parse_page_number(state.router.url.query_parameters.get("page", "1"))


def parse_page_number(raw: object) -> int:
    """A `?page=` value as a page number, 1 when missing or nonsense."""
    return int(raw) if isinstance(raw, str) and raw.isdigit() and 0 < len(raw) < 7 else 1


@dataclasses.dataclass(frozen=True)
class Pagination:
    """Where a list stands, for the pager component."""

    page: int = 1
    page_count: int = 1
    total: int = 0
    has_previous: bool = False
    has_next: bool = False

    @classmethod
    def of(cls, page: Page) -> Pagination:
        return cls(
            page=page.page,
            page_count=page.page_count,
            total=page.total,
            has_previous=page.has_previous,
            has_next=page.has_next,
        )


def paged(result: Result[Page]) -> tuple[list, Pagination]:
    """A service's page of a list as (items, pagination); an empty list when it failed."""
    if not result.ok:
        return [], Pagination()
    return result.value.items, Pagination.of(result.value)


class ServiceState(rx.State, mixin=True):
    """A state whose handlers call services as the session's actor."""

    async def _call(self, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Result:
        """`service(session, actor, *args, **kwargs)` as this session's actor, re-checked now."""
        return await service_call.call(service, await current_actor(self), *args, **kwargs)


class PageState(ServiceState, mixin=True):
    """A page that reads and changes things through services and shows how a change went."""

    error: str = ""
    notice: str = ""
    loaded: bool = False
    # Changes after every change that succeeded, so the page's forms re-mount empty.
    form_key: int = 0

    async def _reload(self) -> None:
        """Read what the page shows again after a change; each page says what that is."""

    async def _act(
        self,
        service: Callable[..., Any],
        *args: Any,
        done: str | Callable[[Any], str] = "",
        show: Callable[[Any], None] | None = None,
        **kwargs: Any,
    ) -> Result:
        """A change: the service's error, or `done` as the notice and the page read again, or
        `show`n from the service's answer when that is the page's new view. `done` is English
        marked with N_ (translated here, in the tab's language), or a function making the
        notice from what the service returned (with gettext)."""
        self.error = self.notice = ""
        result = await self._call(service, *args, **kwargs)
        if not result.ok:
            self.error = result.error
            return result
        self.notice = done(result.value) if callable(done) else translate_marked(done)
        self.form_key += 1
        if show is not None:
            show(result.value)
        else:
            await self._reload()
        return result
