"""The home page's product grid."""

from __future__ import annotations

import reflex as rx

from commerce.catalog.queries import ProductCardView, list_home_products
from state import service_call

HOME_PRODUCT_COUNT = 24


class HomeState(rx.State):
    products: list[ProductCardView] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        result = await service_call.call(list_home_products, limit=HOME_PRODUCT_COUNT)
        self.products = result.value or []
        self.loaded = True
