"""A product in a grid: cover, title, shop and price, linking to the product page."""

from __future__ import annotations

import reflex as rx

from components import theme
from components.buttons import block_link
from components.cover import cover
from components.pager import pager
from components.price import price_tag

TextLike = str | rx.Var
# A card's edge and background: the card, and its placeholder while the data is on the way.
_CARD_FRAME = {
    "border": f"1px solid {theme.BORDER}",
    "border_radius": theme.RADIUS_CARD,
    "background_color": theme.CARD_BACKGROUND,
}


def product_card(
    *,
    url: TextLike,
    title: TextLike,
    shop_name: TextLike,
    price_label: TextLike,
    cover_url: TextLike,
    category_name: TextLike = "",
    lazy: bool | rx.Var = True,
) -> rx.Component:
    return block_link(
        rx.vstack(
            cover(
                cover_url,
                alt=title,
                icon_size=36,
                icon_color=rx.color(theme.RADIX_ACCENT, 9),
                lazy=lazy,
                width="100%",
                aspect_ratio="4 / 3",
                border_radius=f"{theme.RADIUS_CARD} {theme.RADIUS_CARD} 0 0",
            ),
            rx.vstack(
                rx.cond(
                    category_name,
                    rx.text(
                        category_name,
                        size="1",
                        color=theme.TEXT_MUTED,
                        text_transform="uppercase",
                        letter_spacing="0.04em",
                    ),
                ),
                rx.text(
                    title,
                    as_="div",
                    size="3",
                    weight="medium",
                    class_name="product-title",
                    style={
                        "display": "-webkit-box",
                        "-webkit-line-clamp": "2",
                        "-webkit-box-orient": "vertical",
                        "overflow": "hidden",
                    },
                ),
                rx.text(shop_name, size="2", color=theme.TEXT_MUTED),
                price_tag(price_label, size="3"),
                spacing="1",
                padding="0.75rem 1rem 1rem",
                width="100%",
            ),
            spacing="0",
            height="100%",
        ),
        href=url,
        class_name="product-card",
        custom_attrs={"data-testid": "product-card"},
        height="100%",
        **_CARD_FRAME,
        transition="box-shadow 120ms ease, transform 120ms ease",
        _hover={"box_shadow": "0 6px 20px rgba(15, 23, 42, 0.12)", "transform": "translateY(-2px)"},
    )


def card_placeholder(cover_id: str | None = None) -> rx.Component:
    """A card's shape while its grid's data is on the way: the cover's box (which the served
    document may already fill with the cover itself, storefront.home_head) and lines for the text."""
    return rx.vstack(
        rx.box(
            id=cover_id,
            width="100%",
            aspect_ratio="4 / 3",
            background_color=rx.color(theme.RADIX_ACCENT, 3),
            border_radius=f"{theme.RADIUS_CARD} {theme.RADIUS_CARD} 0 0",
        ),
        rx.vstack(
            rx.skeleton(height="1.25rem", width="80%"),
            rx.skeleton(height="1rem", width="50%"),
            rx.skeleton(height="1.5rem", width="30%"),
            spacing="2",
            padding="0.75rem 1rem 1rem",
            width="100%",
        ),
        spacing="0",
        **_CARD_FRAME,
        custom_attrs={"aria-hidden": "true"},
    )


# Covers of a grid's first cards load at once, not lazily (four: a desktop's first row, a phone's first two).
EAGER_COVERS = 4


def product_grid(*cards: rx.Component, id: str = "") -> rx.Component:
    return rx.grid(*cards, columns=theme.GRID_COLUMNS, spacing=theme.GAP, width="100%", id=id or None)


def product_cards(products: rx.Var, *, id: str) -> rx.Component:
    """A grid of product card views (url, title, shop_name, price_label, cover_url, category_name)."""
    return product_grid(
        rx.foreach(
            products,
            lambda product, index: product_card(
                url=product.url,
                title=product.title,
                shop_name=product.shop_name,
                price_label=product.price_label,
                cover_url=product.cover_url,
                category_name=product.category_name,
                # The first row or two is above the fold: its covers are the page's largest paint.
                lazy=index >= EAGER_COVERS,
            ),
        ),
        id=id,
    )


def product_listing(
    products: rx.Var, pagination: rx.Var, *, header: rx.Component, empty: rx.Component, id: str
) -> rx.Component:
    """A page of products under a heading (a category, a shop): the grid, or `empty`, and the pager."""
    return rx.vstack(
        header,
        rx.cond(products.length() > 0, product_cards(products, id=f"{id}-products"), empty),
        pager(pagination, id=f"{id}-pager"),
        spacing=theme.GAP_SECTION,
        width="100%",
    )


def category_chips(categories: rx.Var, label, *, size: str, id: str) -> rx.Component:
    """Links to categories as rounded badges; `label(category)` is what each one says."""
    return rx.flex(
        rx.foreach(
            categories,
            lambda category: rx.link(
                rx.badge(label(category), variant="soft", radius="full", size=size), href=category.url, underline="none"
            ),
        ),
        gap="0.5rem",
        wrap="wrap",
        id=id,
    )
