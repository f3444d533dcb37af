"""A product in a grid: cover, title, shop and price, linking to the product page."""

from __future__ import annotations

import reflex as rx

from components import theme
from components.buttons import card_link
from components.cover import cover_box
from components.pager import pager

TextLike = str | rx.Var

# A card is drawn from plain elements with Radix's text classes and the rules below, not from
# Radix components with style props: each of those is five React components (Emotion's
# wrapper and style insertion, Radix's component and slot, the element) where one will do.
# The home page's first state delta draws 24 cards, one task of about 150 ms on a phone's CPU
# with the components (bench/lighthouse); the page looks the same. A placeholder has the card's
# frame, cover box and text padding.
STYLESHEET = f"""
.product-card.rt-Link, .product-card-placeholder {{
  border: 1px solid var(--{theme.RADIX_GRAY}-6);
  border-radius: {theme.RADIUS_CARD};
  background-color: {theme.CARD_BACKGROUND};
}}
.product-card.rt-Link {{
  color: inherit;
  display: block;
  height: 100%;
  transition: box-shadow 120ms ease, transform 120ms ease;
}}
.product-card.rt-Link:hover {{
  box-shadow: 0 6px 20px rgba(15, 23, 42, 0.12);
  transform: translateY(-2px);
}}
.product-card .product-card-body {{ height: 100%; }}
.product-card .product-card-cover, .product-card-placeholder .product-card-cover {{
  overflow: hidden;
  width: 100%;
  aspect-ratio: 4 / 3;
  border-radius: {theme.RADIUS_CARD} {theme.RADIUS_CARD} 0 0;
}}
.product-card-placeholder .product-card-cover {{ background-color: var(--{theme.RADIX_ACCENT}-3); }}
.product-card .product-card-text, .product-card-placeholder .product-card-text {{
  padding: 0.75rem 1rem 1rem;
  width: 100%;
}}
.product-card .product-card-category {{
  color: var(--{theme.RADIX_GRAY}-11);
  text-transform: uppercase;
  letter-spacing: 0.04em;
}}
.product-card .product-title {{
  display: -webkit-box;
  -webkit-line-clamp: 2;
  -webkit-box-orient: vertical;
  overflow: hidden;
}}
.product-card .product-card-shop {{ color: var(--{theme.RADIX_GRAY}-11); }}
.product-card .price {{ color: var(--{theme.RADIX_ACCENT}-12); }}
.product-card-placeholder .rt-Skeleton:nth-child(1) {{ --width: 80%; --height: 1.25rem; }}
.product-card-placeholder .rt-Skeleton:nth-child(2) {{ --width: 50%; --height: 1rem; }}
.product-card-placeholder .rt-Skeleton:nth-child(3) {{ --width: 30%; --height: 1.5rem; }}
"""


def stylesheet() -> rx.Component:
    """The cards' rules, for the document head."""
    return rx.el.style(STYLESHEET)


def product_card(
    *,
    url: TextLike,
    title: TextLike,
    shop_name: TextLike,
    price_label: TextLike,
    cover_url: TextLike,
    category_name: TextLike = "",
    lazy: rx.Var,
) -> rx.Component:
    """`lazy`: whether the cover loads only when scrolled to (the first cards' load at once)."""
    return card_link(
        rx.el.div(
            cover_box(
                cover_url,
                alt=title,
                loading=rx.cond(lazy, "lazy", "eager"),
                icon_size=36,
                class_name="product-card-cover",
            ),
            rx.el.div(
                rx.cond(
                    category_name,
                    rx.el.p(category_name, class_name="rt-Text rt-r-size-1 product-card-category"),
                ),
                rx.el.div(title, class_name="rt-Text rt-r-size-3 rt-r-weight-medium product-title"),
                rx.el.p(shop_name, class_name="rt-Text rt-r-size-2 product-card-shop"),
                rx.el.p(price_label, class_name="rt-Text rt-r-size-3 rt-r-weight-bold price"),
                class_name=f"{theme.STACK_COLUMN} rt-r-gap-1 product-card-text",
            ),
            class_name=f"{theme.STACK_COLUMN} rt-r-gap-0 product-card-body",
        ),
        href=url,
        class_name="product-card",
        custom_attrs={"data-testid": "product-card"},
    )


def card_placeholder(cover_id: str | None = None) -> rx.Component:
    """A card's shape while its grid's data is on the way: the cover's box (which the served
    document may already fill with the cover itself, storefront.home_head) and lines for the text."""
    line = {"aria-hidden": "true", "data-inline-skeleton": "true"}
    return rx.el.div(
        rx.el.div(id=cover_id, class_name="product-card-cover"),
        rx.el.div(
            *[rx.el.span(class_name="rt-Skeleton rt-r-w rt-r-h", custom_attrs=line) for _ in range(3)],
            class_name=f"{theme.STACK_COLUMN} rt-r-gap-2 product-card-text",
        ),
        class_name=f"{theme.STACK_COLUMN} rt-r-gap-0 product-card-placeholder",
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
