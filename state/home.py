"""The home page's product grid."""

from __future__ import annotations

import reflex as rx

from commerce.catalog.queries import ProductCardView, list_home_products
from commerce.search.recommendations import popular_this_week
from state import service_call

HOME_PRODUCT_COUNT = 24
POPULAR_COUNT = 4


class HomeState(rx.State):
    products: list[ProductCardView] = []
    # Most bought in the last 7 days; empty (and the section hidden) until there are sales.
    popular: list[ProductCardView] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        result = await service_call.call(list_home_products, limit=HOME_PRODUCT_COUNT)
        self.products = result.value or []
        popular = await service_call.call(popular_this_week, limit=POPULAR_COUNT)
        self.popular = popular.value or []
        self.loaded = True
