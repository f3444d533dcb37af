"""A category's page: its products and those of its sub-categories, paginated."""

from __future__ import annotations

import reflex as rx

import routes
from components import theme
from components.buttons import link_button
from components.empty_state import empty_state
from components.pager import pager
from state.catalog import CategoryState
from storefront.layout import shop_page
from storefront.pages.shop import card_grid

C = CategoryState.category


def category_view() -> rx.Component:
    pagination = CategoryState.pagination
    return rx.vstack(
        rx.vstack(
            rx.cond(C.parent, rx.link(C.parent.name, href=C.parent.url, size="2", id="category-parent")),
            rx.heading(C.name, as_="h1", size="7", id="category-name"),
            rx.text(pagination.total.to_string(), " products", color=theme.TEXT_MUTED, size="2"),
            spacing="1",
        ),
        rx.cond(
            C.children.length() > 0,
            rx.flex(
                rx.foreach(
                    C.children,
                    lambda child: rx.link(
                        rx.badge(
                            child.name,
                            " (",
                            child.product_count.to_string(),
                            ")",
                            variant="soft",
                            radius="full",
                            size="2",
                        ),
                        href=child.url,
                        underline="none",
                    ),
                ),
                gap="0.5rem",
                wrap="wrap",
                id="category-children",
            ),
        ),
        rx.cond(
            CategoryState.products.length() > 0,
            card_grid(CategoryState.products, "category-products"),
            empty_state(
                "package-open",
                "Nothing here yet",
                "No products have been published in this category yet.",
                id="category-empty",
            ),
        ),
        pager(
            page=pagination.page,
            page_count=pagination.page_count,
            has_previous=pagination.has_previous,
            has_next=pagination.has_next,
            id="category-pager",
        ),
        spacing=theme.GAP_SECTION,
        width="100%",
    )


@shop_page(
    routes.CATEGORY,
    title=CategoryState.page_title,
    description=CategoryState.meta_description,
    meta=[
        rx.el.meta(property="og:title", content=CategoryState.page_title),
        rx.el.meta(property="og:description", content=CategoryState.meta_description),
    ],
    on_load=CategoryState.load,
)
def category() -> rx.Component:
    missing = empty_state(
        "folder-x",
        "This category does not exist",
        "The address may be mistyped.",
        action=link_button("Back to the shop", routes.HOME, id="category-missing-home"),
        id="category-missing",
    )
    return rx.cond(
        CategoryState.loaded,
        rx.cond(CategoryState.not_found, missing, category_view()),
        rx.center(rx.spinner(size="3"), padding_y="4rem", width="100%"),
    )
