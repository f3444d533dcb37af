"""Search: the results page (state from the URL) and the navbar's as-you-type box.

The results page keeps nothing the URL does not say: `load` reads the query
string on every navigation (Reflex runs on_load when only the query changes),
and every filter, sort and page is a link or a redirect to a new URL, so a
search can be shared and the back button walks back through the filters.

Both run the search in a worker thread (`service_call`), and the as-you-type box
runs in a background event, so a slow engine never holds up other events.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from commerce.search.service import (
    Facet,
    PageLink,
    ResultCard,
    SearchParams,
    SortOption,
    Suggestion,
    quick_search,
    search_products,
    sort_options,
)
from state import service_call

QUICK_RESULTS = 6
QUICK_MIN_LETTERS = 2


class SearchState(rx.State):
    q: str = ""
    sort: str = "relevance"
    cards: list[ResultCard] = []
    facets: list[Facet] = []
    pages: list[PageLink] = []
    suggestions: list[Suggestion] = []
    sorts: list[SortOption] = sort_options()
    total: int = 0
    page: int = 1
    total_pages: int = 0
    previous_url: str = ""
    next_url: str = ""
    clear_filters_url: str = ""
    has_filters: bool = False
    degraded: bool = False
    loaded: bool = False
    filters_open: bool = False
    _query_string: str = ""

    @rx.event
    async def load(self):
        query_string = self.router.url.query
        params = SearchParams.from_query_string(query_string)
        self._query_string = params.query_string()
        self.q, self.sort = params.q, params.sort
        self.filters_open = False
        # The navbar box shows the search this page is for, with its list closed.
        quick = await self.get_state(QuickSearchState)
        quick.text, quick.open = params.q, False
        result = await service_call.call(search_products, params)
        view = result.value
        if view is None:  # a DomainError: show the empty page with its suggestions
            self.cards, self.total, self.loaded = [], 0, True
            return
        self.cards, self.facets, self.pages = view.cards, view.facets, view.pages
        self.suggestions = view.suggestions
        self.total, self.page, self.total_pages = view.total, view.page, view.total_pages
        self.previous_url, self.next_url = view.previous_url, view.next_url
        self.clear_filters_url = view.clear_filters_url
        self.has_filters = params.has_filters
        self.degraded = view.degraded
        self.loaded = True

    @rx.event
    def choose_sort(self, sort: str):
        params = SearchParams.from_query_string(self._query_string)
        return rx.redirect(params.with_sort(sort).url())

    @rx.event
    def submit(self, form_data: dict):
        params = SearchParams.from_query_string(self._query_string)
        text = " ".join(str(form_data.get("q", "")).split())
        return rx.redirect(
            SearchParams(
                q=text,
                categories=params.categories,
                tags=params.tags,
                price=params.price,
                rating=params.rating,
                sort=params.sort,
            ).url()
        )

    @rx.event
    def toggle_filters(self):
        self.filters_open = not self.filters_open

    @rx.event
    def set_filters_open(self, is_open: bool):
        self.filters_open = is_open


class QuickSearchState(rx.State):
    """The navbar's box: suggestions as you type, Enter for the full results page."""

    text: str = ""
    results: list[ResultCard] = []
    open: bool = False
    searching: bool = False
    _generation: int = 0

    @rx.event(background=True)
    async def type_text(self, text: str):
        async with self:
            self.text = text
            self._generation += 1
            generation = self._generation
            cleaned = " ".join(text.split())
            if len(cleaned) < QUICK_MIN_LETTERS:
                self.results, self.open, self.searching = [], False, False
                return
            self.searching = True
        result = await service_call.call(quick_search, cleaned, limit=QUICK_RESULTS)
        async with self:
            # A later keystroke has started its own search: its answer wins.
            if generation != self._generation:
                return
            self.results = result.value or []
            self.open = True
            self.searching = False

    @rx.var
    def see_all_url(self) -> str:
        return SearchParams(q=" ".join(self.text.split())).url()

    @rx.event
    def submit(self, form_data: dict):
        text = " ".join(str(form_data.get("q", self.text)).split())
        self.open = False
        return rx.redirect(SearchParams(q=text).url())

    @rx.event
    def close(self):
        self.open = False

    @rx.event(background=True)
    async def close_soon(self):
        # On blur: wait for a click on a suggestion to land before the list goes away.
        await asyncio.sleep(0.2)
        async with self:
            self.open = False

    @rx.event
    def reopen(self):
        self.open = bool(self.results) and len(" ".join(self.text.split())) >= QUICK_MIN_LETTERS
