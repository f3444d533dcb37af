"""The buyer's library and one product in it.

Both pages watch the library's change counter in a background event (one cheap
read every few seconds while the page is open), so a payment landing, a key
being issued, a refund or a new version shows up without a reload. Download
links are minted on click and handed to the browser to fetch, never kept in
state; a key's text is sent only when its owner asks to reveal or copy it.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import reflex as rx

import routes
from commerce.delivery import downloads, library
from commerce.delivery.library import LibraryItem, LibraryProductView
from commerce.i18n import gettext
from commerce.kit.ids import parse_id
from commerce.licensing import service as licensing
from state import service_call, watch_lease
from state.language import speaking
from state.page import Pagination, ServiceState, page_number
from state.session import client_connected, current_actor

POLL_SECONDS = 3
# A page left open for half an hour stops watching; any click or reload starts again.
MAX_POLLS = 600
# A stamped copy usually takes a second or two; the button waits this long for it.
PREPARE_ATTEMPTS = 20
PREPARE_WAIT_SECONDS = 1.5


def _on_library_page(state: rx.State) -> bool:
    return state.router.url.path.rstrip("/").startswith(routes.LIBRARY)


class LibraryState(ServiceState, rx.State):
    items: list[LibraryItem] = []
    pagination: Pagination = Pagination()
    search: str = ""
    total: int = 0
    loaded: bool = False
    # The page shown: `?page=` on load, back to 1 when the search changes.
    _page: int = 1
    _version: int = -1
    # Each library page load's number (_watch_for_this_load), and the load the watcher
    # serves (0 when none runs).
    _load_number: int = 0
    _watched_load: int = 0
    # The watcher's claim on this tab (state.watch_lease): 0 when none runs.
    _watching_until: float = 0.0

    @rx.event
    async def load(self):
        raw = self.router.url.query_parameters.get("q", "")
        self.search = raw[: library.MAX_SEARCH_LENGTH] if isinstance(raw, str) else ""
        self._page = page_number(self)
        await self._refresh()
        return await _watch_for_this_load(self)

    async def _refresh(self) -> None:
        result = await self._call(library.library, search=self.search, page=self._page)
        if result.ok:
            self.items, self.total, self._version = result.value.items, result.value.total, result.value.version
            self.pagination = Pagination.of(result.value.page)
            self._page = result.value.page.page
        else:
            self.items, self.total, self.pagination = [], 0, Pagination()
        self.loaded = True

    @rx.var
    def page_query(self) -> str:
        """What the pager puts before `page=N`: the search, so it stays on every page."""
        return f"?{urlencode({'q': self.search})}&" if self.search.strip() else "?"

    @rx.event
    async def set_search(self, text: str):
        self.search = (text if isinstance(text, str) else "")[: library.MAX_SEARCH_LENGTH]
        self._page = 1
        await self._refresh()

    @rx.event(background=True)
    async def watch(self):
        async with self:
            load = watch_lease.claim(self)
            if load is None:
                return
            actor = await current_actor(self)
        try:
            for _ in range(MAX_POLLS):
                await asyncio.sleep(POLL_SECONDS)
                async with self:
                    if not _on_library_page(self) or not client_connected(self) or not watch_lease.renew(self, load):
                        return
                    seen = self._version
                result = await service_call.call(library.current_library_version, actor)
                if not result.ok:  # signed out meanwhile: nothing left to watch
                    return
                if result.value != seen:
                    async with self:
                        await self._refresh()
                        product_state = await self.get_state(LibraryProductState)
                        if product_state.view is not None:
                            await product_state._reload()
        finally:
            async with self:
                watch_lease.release(self, load)


async def _watch_for_this_load(page: rx.State):
    """The library watcher for the page just loaded. A watcher left from an earlier load
    stops at its next round: after a reload that reached another replica, the old one's
    process no longer has the tab's socket, so this load's watcher must not defer to it."""
    library_state = await page.get_state(LibraryState)
    library_state._load_number += 1
    return LibraryState.watch


class LibraryProductState(ServiceState, rx.State):
    view: LibraryProductView | None = None
    not_found: bool = False
    loaded: bool = False
    # Keys the owner chose to reveal: key id (as text) -> the key.
    revealed: dict[str, str] = {}
    key_notice: str = ""
    download_notice: str = ""
    download_error: str = ""
    preparing_file_id: int = 0

    def _product_id(self) -> int:
        return parse_id(self.library_product_id) or 0  # the dynamic segment of routes.LIBRARY_PRODUCT

    async def _reload(self, *, mark_seen: bool = False) -> None:
        result = await self._call(library.library_product, self._product_id(), mark_seen=mark_seen)
        self.not_found = not result.ok
        self.view = result.value
        self.loaded = True

    @rx.event
    async def load(self):
        self.loaded = False
        self.revealed, self.key_notice = {}, ""
        self.download_notice = self.download_error = ""
        self.preparing_file_id = 0
        await self._reload(mark_seen=True)
        return await _watch_for_this_load(self)

    @rx.event
    async def reveal(self, key_id: int):
        result = await self._call(licensing.reveal_key, key_id)
        if result.ok:
            self.revealed = {**self.revealed, str(key_id): result.value}
        else:
            self.key_notice = result.error

    @rx.event
    def hide(self, key_id: int):
        self.revealed = {k: v for k, v in self.revealed.items() if k != str(key_id)}

    @rx.event
    async def copy(self, key_id: int):
        """The page copied a revealed key (in the browser); say so."""
        await speaking(self)
        self.key_notice = gettext("Key copied to the clipboard.")

    @rx.event(background=True)
    async def download(self, file_id: int):
        async with self:
            if self.preparing_file_id:
                return
            self.download_error, self.download_notice = "", ""
            self.preparing_file_id = file_id
            actor = await current_actor(self)
        try:
            for _ in range(PREPARE_ATTEMPTS):
                result = await service_call.call(downloads.mint_link, actor, file_id)
                if not result.ok:
                    async with self:
                        self.download_error = result.error
                    return
                if not result.value.preparing:
                    async with self:
                        self.download_notice = gettext("Downloading {file}…", file=result.value.filename)
                    yield rx.download(url=result.value.url, filename=result.value.filename)
                    return
                async with self:
                    self.download_notice = result.value.message
                await asyncio.sleep(PREPARE_WAIT_SECONDS)
            async with self:
                self.download_notice = ""
                self.download_error = gettext(
                    "Your copy is taking longer than usual to prepare. Try again in a minute."
                )
        finally:
            async with self:
                self.preparing_file_id = 0
