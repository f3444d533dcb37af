"""The home page: popular this week (from paid orders; hidden without sales), the
newest products (paginated) and the categories that have products."""

from __future__ import annotations

import reflex as rx

from commerce.catalog import queries
from commerce.catalog.queries import CategoryLink, ProductCardView
from commerce.search.recommendations import popular_this_week
from state import service_call
from state.language import speaking
from state.page import Pagination, page_number, paged

HOME_PRODUCT_COUNT = 24
POPULAR_COUNT = 4


class HomeState(rx.State):
    products: list[ProductCardView] = []
    categories: list[CategoryLink] = []
    pagination: Pagination = Pagination()
    # Most bought in the last 7 days; empty (and the section hidden) until there are sales.
    popular: list[ProductCardView] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        result = await service_call.call(
            queries.home_page, page=page_number(self), per_page=HOME_PRODUCT_COUNT, lang=await speaking(self)
        )
        self.products, self.pagination = paged(result.map(lambda view: view.newest))
        self.categories = result.value.categories if result.ok else []
        self.popular = (await service_call.call(popular_this_week, limit=POPULAR_COUNT)).value or []
        self.loaded = True
