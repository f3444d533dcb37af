"""The seller studio's front page."""

from __future__ import annotations

import reflex as rx

from components import theme
from components.empty_state import empty_state
from state.session import SessionState
from storefront import routes
from storefront.layout import seller_page


@seller_page(
    routes.SELLER,
    title="Seller studio",
    description="Manage your shop's products and sales.",
)
def seller_home() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading("Seller studio", as_="h1", size="7"),
            rx.text("Shop address: /s/", SessionState.shop_slug, color=theme.TEXT_MUTED,
                    id="seller-shop-slug"),
            spacing="1",
        ),
        empty_state(
            "package-plus",
            "No products yet",
            "Products you create appear here. Each product needs a title, a price and the "
            "files or license keys buyers receive; it goes on sale once published and approved.",
            id="seller-empty",
        ),
        spacing=theme.GAP_SECTION,
        width="100%",
    )
