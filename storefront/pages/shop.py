"""A shop's page: the seller's profile and their products, paginated."""

from __future__ import annotations

import reflex as rx

import routes
from components import theme
from components.empty_state import empty_state, missing_state
from components.i18n import t
from state.catalog import ShopState
from storefront.layout import listing_page


def _profile() -> rx.Component:
    return rx.vstack(
        rx.heading(ShopState.shop.name, as_="h1", size="7", id="shop-name"),
        rx.cond(
            ShopState.shop.bio != "",
            rx.text(ShopState.shop.bio, color=theme.TEXT_MUTED, white_space="pre-line", id="shop-bio"),
        ),
        spacing="2",
        width="100%",
    )


shop = listing_page(
    routes.SHOP,
    ShopState,
    header=_profile,
    empty=empty_state(
        "package-open", t("No products here yet"), t("This shop has not published any products yet."), id="shop-empty"
    ),
    missing=rx.cond(
        ShopState.unavailable,
        missing_state(
            "store",
            "This shop is unavailable",
            t("It is not selling at the moment. Anything you bought from it stays in your library."),
            id="shop-unavailable",
        ),
        missing_state(
            "store",
            "Shop not found",
            t("The address may be mistyped, or the shop may have closed."),
            id="shop-missing",
        ),
    ),
    id="shop",
)
