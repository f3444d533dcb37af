"""The home page: what the marketplace is, and the newest products."""

from __future__ import annotations

import reflex as rx

import routes
from components import theme
from components.buttons import link_button
from components.empty_state import empty_state
from components.i18n import t
from components.pager import pager
from components.product_card import card_placeholder, category_chips, product_cards, product_grid
from state.home import POPULAR_COUNT, HomeState
from storefront.home_head import NEWEST_FIRST_COVER_ID, POPULAR_FIRST_COVER_ID
from storefront.layout import shop_page


def hero() -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.heading(
                t("Digital products from independent creators"),
                as_="h1",
                size=rx.breakpoints(initial="7", md="8"),
                color="white",
                line_height="1.15",
            ),
            rx.text(
                t(
                    "Ebooks, templates, software and courses. Pay once, download instantly, "
                    "and keep everything in your library."
                ),
                size=rx.breakpoints(initial="3", md="4"),
                color="rgba(255, 255, 255, 0.85)",
                max_width="36rem",
            ),
            rx.flex(
                link_button(t("Browse products"), routes.SEARCH, id="hero-browse", icon="search"),
                rx.button(
                    rx.link(t("Start selling"), href=routes.ACCOUNT + "#open-shop", id="hero-sell", underline="none"),
                    as_child=True,
                    size="3",
                    variant="outline",
                    style={"color": "white", "box_shadow": "inset 0 0 0 1px rgba(255,255,255,0.6)"},
                ),
                gap="0.75rem",
                wrap="wrap",
            ),
            spacing="4",
            align="start",
        ),
        id="hero",
        width="100%",
        padding=rx.breakpoints(initial="1.75rem 1.25rem", md="3.5rem 3rem"),
        border_radius=theme.RADIUS_CARD,
        background=f"linear-gradient(135deg, {theme.PRIMARY} 0%, #312e81 100%)",
    )


def _loading_grid(first_cover_id: str, count: int) -> rx.Component:
    """Card shapes until the data arrives; the served document may fill the first one's cover."""
    return product_grid(card_placeholder(first_cover_id), *[card_placeholder() for _ in range(count - 1)])


def popular_section() -> rx.Component:
    """Best sellers of the week, from paid orders; hidden when there are none.

    Until the page's data arrives, placeholders stand where the section goes: it sits
    above the newest products, which otherwise jumped down by its height in front of the
    reader when it appeared (a layout shift of 0.38 on a phone, bench/lighthouse)."""
    placeholder = rx.vstack(
        rx.skeleton(height="26px", width="12rem"),  # the heading's line (Radix heading size 5)
        _loading_grid(POPULAR_FIRST_COVER_ID, POPULAR_COUNT),
        spacing=theme.GAP,
        width="100%",
    )
    return rx.cond(
        HomeState.loaded,
        rx.cond(
            HomeState.popular.length() > 0,
            rx.vstack(
                rx.heading(t("Popular this week"), as_="h2", size="5"),
                product_cards(HomeState.popular, id="home-popular"),
                spacing=theme.GAP,
                width="100%",
            ),
        ),
        placeholder,
    )


def products_section() -> rx.Component:
    grid = product_cards(HomeState.products, id="home-products")
    nothing_yet = empty_state(
        "package-open",
        t("No products yet"),
        t("When creators publish their first products, the newest appear here."),
        action=link_button(t("Open a shop"), routes.ACCOUNT + "#open-shop", id="empty-open-shop"),
        id="home-empty",
    )
    return rx.vstack(
        rx.heading(t("Newest products"), as_="h2", size="5"),
        rx.cond(
            HomeState.loaded,
            rx.cond(HomeState.products.length() > 0, grid, nothing_yet),
            _loading_grid(NEWEST_FIRST_COVER_ID, 8),
        ),
        pager(
            HomeState.pagination,
            id="home-pager",
        ),
        spacing=theme.GAP,
        width="100%",
    )


def categories_section() -> rx.Component:
    """Categories that have products (a category with nothing in it is not offered)."""
    return rx.cond(
        HomeState.categories.length() > 0,
        rx.vstack(
            rx.heading(t("Browse by category"), as_="h2", size="5"),
            category_chips(HomeState.categories, lambda category: category.name, size="3", id="home-categories"),
            spacing=theme.GAP,
            width="100%",
        ),
    )


@shop_page(
    routes.HOME,
    title=t("Digital products from independent creators"),
    description=t(
        "Buy ebooks, templates, software and courses from independent creators. Instant download, yours to keep."
    ),
    on_load=HomeState.load,
)
def home() -> rx.Component:
    return rx.vstack(
        hero(), popular_section(), categories_section(), products_section(), spacing=theme.GAP_SECTION, width="100%"
    )
