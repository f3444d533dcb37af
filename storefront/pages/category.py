"""A category's page: its products and those of its sub-categories, paginated."""

from __future__ import annotations

import reflex as rx

import routes
from components import theme
from components.empty_state import empty_state, missing_state
from components.i18n import t
from components.product_card import category_chips
from state.catalog import CategoryState
from storefront.layout import listing_page

C = CategoryState.category


def _heading() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.cond(C.parent, rx.link(C.parent.name, href=C.parent.url, size="2", id="category-parent")),
            rx.heading(C.name, as_="h1", size="7", id="category-name"),
            rx.text(CategoryState.pagination.total.to_string(), " products", color=theme.TEXT_MUTED, size="2"),
            spacing="1",
        ),
        rx.cond(
            C.children.length() > 0,
            category_chips(
                C.children,
                lambda child: rx.fragment(child.name, " (", child.product_count.to_string(), ")"),
                size="2",
                id="category-children",
            ),
        ),
        spacing=theme.GAP_SECTION,
        width="100%",
    )


category = listing_page(
    routes.CATEGORY,
    CategoryState,
    header=_heading,
    empty=empty_state(
        "package-open",
        t("Nothing here yet"),
        t("No products have been published in this category yet."),
        id="category-empty",
    ),
    missing=missing_state("folder-x", "Category not found", t("The address may be mistyped."), id="category-missing"),
    id="category",
)
