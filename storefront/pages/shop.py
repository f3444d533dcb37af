"""A shop's page: the seller's profile and their products, paginated."""

from __future__ import annotations

import reflex as rx

import routes
from components import theme
from components.buttons import link_button
from components.empty_state import empty_state
from components.pager import pager
from components.product_card import product_card, product_grid
from state.catalog import ShopState
from storefront.layout import shop_page


def card_grid(products, id: str) -> rx.Component:
    return product_grid(
        rx.foreach(
            products,
            lambda product: product_card(
                url=product.url,
                title=product.title,
                shop_name=product.shop_name,
                price_label=product.price_label,
                cover_url=product.cover_url,
                category_name=product.category_name,
            ),
        ),
        id=id,
    )


def shop_view() -> rx.Component:
    pagination = ShopState.pagination
    return rx.vstack(
        rx.vstack(
            rx.heading(ShopState.shop.name, as_="h1", size="7", id="shop-name"),
            rx.cond(
                ShopState.shop.bio != "",
                rx.text(ShopState.shop.bio, color=theme.TEXT_MUTED, white_space="pre-line", id="shop-bio"),
            ),
            spacing="2",
            width="100%",
        ),
        rx.cond(
            ShopState.products.length() > 0,
            card_grid(ShopState.products, "shop-products"),
            empty_state(
                "package-open", "No products here yet", "This shop has not published any products yet.", id="shop-empty"
            ),
        ),
        pager(
            page=pagination.page,
            page_count=pagination.page_count,
            has_previous=pagination.has_previous,
            has_next=pagination.has_next,
            id="shop-pager",
        ),
        spacing=theme.GAP_SECTION,
        width="100%",
    )


@shop_page(
    routes.SHOP,
    title=ShopState.page_title,
    description=ShopState.meta_description,
    meta=[
        rx.el.meta(property="og:title", content=ShopState.page_title),
        rx.el.meta(property="og:description", content=ShopState.meta_description),
    ],
    on_load=ShopState.load,
)
def shop() -> rx.Component:
    missing = empty_state(
        "store",
        "This shop does not exist",
        "The address may be mistyped, or the shop may have closed.",
        action=link_button("Back to the shop", routes.HOME, id="shop-missing-home"),
        id="shop-missing",
    )
    return rx.cond(
        ShopState.loaded,
        rx.cond(ShopState.not_found, missing, shop_view()),
        rx.center(rx.spinner(size="3"), padding_y="4rem", width="100%"),
    )
