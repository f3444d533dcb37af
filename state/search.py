"""Search: the results page (state from the URL) and the navbar's as-you-type box.

The results page keeps nothing the URL does not say: `load` reads the query
string on every navigation (Reflex runs on_load when only the query changes),
and every filter, sort and page is a link or a redirect to a new URL, so a
search can be shared and the back button walks back through the filters.

The results page runs its search in a worker thread (`service_call`), so a slow
engine never holds up other events; the box calls the embedded engine directly
(see `_quick_cards`).
"""

from __future__ import annotations

import asyncio

import reflex as rx

from commerce.errors import DomainError
from commerce.i18n import ngettext
from commerce.search import search_index
from commerce.search.port import answers_in_process
from commerce.search.service import (
    Facet,
    PageLink,
    QuickCard,
    ResultCard,
    SearchParams,
    SortOption,
    Suggestion,
    quick_cards,
    quick_search,
    search_products,
    sort_options,
)
from state import service_call
from state.language import speaking

QUICK_RESULTS = 6
QUICK_MIN_LETTERS = 2
# The sort menu's choices are the same for every visitor: the page renders them at compile
# time rather than each tab carrying (and hydrating) a copy in its state.
SORT_OPTIONS: tuple[SortOption, ...] = tuple(sort_options())


class SearchState(rx.State):
    q: str = ""
    sort: str = "relevance"
    cards: list[ResultCard] = []
    facets: list[Facet] = []
    pages: list[PageLink] = []
    suggestions: list[Suggestion] = []
    total: int = 0
    # "4 products", in the tab's language and its plural rule (Arabic has six forms).
    total_label: str = ""
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
        quick._typed, quick.see_all_url = params.q, SearchParams(q=params.q).url()
        result = await service_call.call(search_products, params, lang=await speaking(self))
        view = result.value
        if view is None:  # a DomainError: show the empty page with its suggestions
            self.cards, self.total, self.loaded = [], 0, True
            self.total_label = ngettext("{count} product", "{count} products", 0)
            return
        self.cards, self.facets, self.pages = view.cards, view.facets, view.pages
        self.suggestions = view.suggestions
        self.total, self.page, self.total_pages = view.total, view.page, view.total_pages
        self.total_label = ngettext("{count} product", "{count} products", view.total)
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


async def _quick_cards(text: str, lang: str) -> list[QuickCard]:
    """The dropdown for `text`: from the engine without a database session; on the event
    loop when the engine answers in this process (the embedded one, well under a
    millisecond on the demo catalogue, and often a cached answer), in a worker thread
    when it is over the network (Meilisearch); from the database, in a thread and its
    own unit of work, only when the engine cannot answer."""
    try:
        if answers_in_process(search_index()):
            cards = quick_cards(text, limit=QUICK_RESULTS, lang=lang)
        else:
            cards = await asyncio.to_thread(quick_cards, text, limit=QUICK_RESULTS, lang=lang)
    except DomainError:
        return []
    if cards is None:
        cards = (await service_call.call(quick_search, text, limit=QUICK_RESULTS, lang=lang)).value or []
    return cards


class QuickSearchState(rx.State):
    """The navbar's box: suggestions as you type, Enter for the full results page.

    One keystroke (after the input's own debounce) is one event and one delta:
    the handler searches (`_quick_cards`) and sets what changed once. It is a
    foreground event marked `supersedes`, so a newer keystroke from the same
    browser cancels an older one still waiting for its results (Reflex's
    latest-wins): stale keystrokes are dropped, not queued. The box's own text
    stays in the browser (the input is debounced and never echoed back, so an
    answer cannot overwrite letters typed since); only the results page sets
    `text`, the search it shows (see storefront.layout.quick_search).
    """

    text: str = ""
    results: list[QuickCard] = []
    open: bool = False
    see_all_url: str = SearchParams().url()
    # Changes when a suggestion is picked, so the box starts again from `text` even
    # when the next page is of the same kind (one product page to another).
    box: int = 0
    _typed: str = ""

    @rx.event(supersedes=True)
    async def type_text(self, text: str):
        cleaned = " ".join(text.split())
        is_open = len(cleaned) >= QUICK_MIN_LETTERS
        cards = await _quick_cards(cleaned, await speaking(self)) if is_open else []
        self._typed = cleaned
        # Only what changed goes into the delta: the next letter of a word often
        # leaves the dropdown as it was.
        if cards != self.results:
            self.results = cards
        if is_open != self.open:
            self.open = is_open
        see_all_url = SearchParams(q=cleaned).url()
        if see_all_url != self.see_all_url:
            self.see_all_url = see_all_url

    @rx.event
    def submit(self, form_data: dict):
        text = " ".join(str(form_data.get("q", self._typed)).split())
        self.open = False
        return rx.redirect(SearchParams(q=text).url())

    @rx.event
    def close(self):
        self.open = False

    @rx.event
    def picked(self):
        self.open = False
        self.box += 1
        self._typed = ""

    @rx.event(background=True)
    async def close_soon(self):
        # On blur: wait for a click on a suggestion to land before the list goes away.
        await asyncio.sleep(0.2)
        async with self:
            self.open = False

    @rx.event
    def reopen(self):
        self.open = bool(self.results) and len(self._typed) >= QUICK_MIN_LETTERS
