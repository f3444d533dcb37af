"""The home page: popular this week (from paid orders; hidden without sales), the
newest products (paginated) and the categories that have products."""

from __future__ import annotations

import time
from dataclasses import dataclass

import reflex as rx

from commerce.catalog import queries, shared_listings
from commerce.catalog.queries import CategoryLink, ProductCardView
from commerce.search.recommendations import popular_this_week
from state import service_call
from state.language import speaking
from state.page import Pagination, page_number, paged

HOME_PRODUCT_COUNT = 24
POPULAR_COUNT = 4
# Pages kept shared (the page number comes from the address: any other is asked for each time).
SHARED_PAGES = 5


@dataclass(frozen=True)
class _HomeListing:
    """What every visitor's home page shows alike, for one language and page."""

    products: list[ProductCardView]
    pagination: Pagination
    categories: list[CategoryLink]
    popular: list[ProductCardView]

    @property
    def first_cover(self) -> str | None:
        """The cover of the first card, the page's largest paint: the week's best seller's,
        else the newest product's (the popular section sits above the newest)."""
        first = (self.popular or self.products or [None])[0]
        return first.cover_url if first is not None else None


# One copy per (language, page) for every tab of this process, with the time and the
# catalogue generation it was made at (commerce.catalog.shared_listings): a tab's state
# holds references to it instead of a copy of its own, and opening the page asks the
# database only when the copy is stale. Never change one in place: it is every tab's.
_listings: dict[tuple[str, int], tuple[float, int, _HomeListing]] = {}


async def home_listing(lang: str, page: int) -> _HomeListing:
    made_at, made_in, listing = _listings.get((lang, page), (0.0, -1, None))
    generation = shared_listings.generation()
    if listing is not None and made_in == generation and time.monotonic() - made_at < shared_listings.MAX_AGE_SECONDS:
        return listing
    result = await service_call.call(queries.home_page, page=page, per_page=HOME_PRODUCT_COUNT, lang=lang)
    products, pagination = paged(result.map(lambda view: view.newest))
    listing = _HomeListing(
        products=products,
        pagination=pagination,
        categories=result.value.categories if result.ok else [],
        popular=(await service_call.call(popular_this_week, limit=POPULAR_COUNT)).value or [],
    )
    if result.ok and 1 <= page <= SHARED_PAGES:  # a failure is asked again by the next visitor
        _listings[(lang, page)] = (time.monotonic(), generation, listing)
    return listing


class HomeState(rx.State):
    products: list[ProductCardView] = []
    categories: list[CategoryLink] = []
    pagination: Pagination = Pagination()
    # Most bought in the last 7 days; empty (and the section hidden) until there are sales.
    popular: list[ProductCardView] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        listing = await home_listing(await speaking(self), page_number(self))
        self.products, self.pagination = listing.products, listing.pagination
        self.categories, self.popular = listing.categories, listing.popular
        self.loaded = True
