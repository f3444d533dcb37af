"""The online reader (/read/<file id>): one online-only PDF page by page, or a player.

Page links are minted one at a time as the buyer turns pages (each bound to this
browser's session and valid for minutes); the state keeps the current page's link
only. Identity comes from the session, never from the event's arguments.
"""

from __future__ import annotations

import reflex as rx

from commerce.delivery import viewing
from commerce.delivery.viewing import ReaderView
from commerce.kit.ids import parse_id
from state.page import ServiceState

# Keys that turn the page, wherever the focus is; not the space bar or Home and End, which
# the navbar's search field needs, nor up and down, which scroll a tall page.
NEXT_KEYS = ("ArrowRight", "PageDown")
PREVIOUS_KEYS = ("ArrowLeft", "PageUp")


class ReaderState(ServiceState, rx.State):
    view: ReaderView | None = None
    loaded: bool = False
    not_found: bool = False
    error: str = ""
    page: int = 1
    page_url: str = ""

    def _file_id(self) -> int:
        return parse_id(self.reader_file_id) or 0  # the dynamic segment of routes.READER

    @rx.event
    async def load(self):
        self.loaded, self.error, self.page, self.page_url = False, "", 1, ""
        result = await self._call(viewing.open_reader, self._file_id())
        self.not_found, self.view = not result.ok, result.value
        if result.ok:
            self.page_url = result.value.first_page_url
        self.loaded = True

    @rx.event
    async def go_to(self, page: int):
        if self.view is None or not isinstance(page, int) or not 1 <= page <= self.view.page_count:
            return
        result = await self._call(viewing.page_link, self._file_id(), page)
        self.error = result.error
        if result.ok:
            self.page, self.page_url = page, result.value

    @rx.event
    async def next_page(self):
        await self.go_to(self.page + 1)

    @rx.event
    async def previous_page(self):
        await self.go_to(self.page - 1)

    @rx.event
    async def key(self, key: str, _info: dict):
        if key in NEXT_KEYS:
            await self.go_to(self.page + 1)
        elif key in PREVIOUS_KEYS:
            await self.go_to(self.page - 1)
