"""The home page: the newest products (paginated) and the categories that have products.

A "popular" section joins when there are real sales to rank by.
"""

from __future__ import annotations

import reflex as rx

from commerce.catalog import queries
from commerce.catalog.queries import CategoryLink, ProductCardView
from state import service_call
from state.catalog import Pagination, page_number

HOME_PRODUCT_COUNT = 24


class HomeState(rx.State):
    products: list[ProductCardView] = []
    categories: list[CategoryLink] = []
    pagination: Pagination = Pagination()
    loaded: bool = False

    @rx.event
    async def load(self):
        result = await service_call.call(
            queries.home_page, page=page_number(self), per_page=HOME_PRODUCT_COUNT
        )
        view = result.value
        self.products = view.newest.items
        self.categories = view.categories
        self.pagination = Pagination.of(view.newest)
        self.loaded = True
