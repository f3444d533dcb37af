"""The seller studio's front page: the shop's products, with search, status filter
and pagination, and the form that starts a new product."""

from __future__ import annotations

import reflex as rx

from commerce.models import DeliveryKind, PricingMode
from components import theme
from components.empty_state import empty_state
from components.forms import form_error, labelled_input, section_card, submit_button
from components.pager import pager
from components.seller_nav import seller_nav
from components.studio import dropdown, field_label, status_badge
from state.seller import SellerProductsState
from state.session import SessionState
from storefront import routes
from storefront.layout import seller_page

STATUS_FILTERS = [
    ("active", "All but archived"),
    ("draft", "Drafts"),
    ("in_review", "In review"),
    ("live", "Live"),
    ("rejected", "Rejected"),
    ("archived", "Archived"),
    ("all", "Everything"),
]


def new_product_form() -> rx.Component:
    return section_card(
        "New product",
        rx.form(
            rx.vstack(
                form_error(SellerProductsState.create_error, id="new-product-error"),
                labelled_input(
                    "Title",
                    name="title",
                    id="new-product-title",
                    error=SellerProductsState.create_title_error,
                    placeholder="The Indie Maker Ebook",
                ),
                rx.grid(
                    rx.vstack(
                        field_label("Pricing", "new-product-pricing"),
                        dropdown(
                            [(PricingMode.FIXED, "Fixed price"), (PricingMode.PWYW, "Pay what you want")],
                            name="pricing",
                            id="new-product-pricing",
                            default_value=PricingMode.FIXED,
                        ),
                        spacing="1",
                        width="100%",
                    ),
                    labelled_input(
                        "Price (minimum for pay what you want)",
                        name="price",
                        id="new-product-price",
                        error=SellerProductsState.create_price_error,
                        placeholder="19.00",
                        hint="In your shop's currency; 0 for free.",
                    ),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
                rx.vstack(
                    field_label("Buyers receive", "new-product-delivery"),
                    dropdown(
                        [
                            (DeliveryKind.FILES, "Downloadable files"),
                            (DeliveryKind.KEYS, "License keys"),
                            (DeliveryKind.BOTH, "Files and license keys"),
                        ],
                        name="delivery_kind",
                        id="new-product-delivery",
                        default_value=DeliveryKind.FILES,
                    ),
                    spacing="1",
                    width="100%",
                ),
                rx.box(
                    submit_button("Create draft", id="new-product-submit", loading=SellerProductsState.create_pending),
                    width=rx.breakpoints(initial="100%", sm="auto"),
                ),
                spacing=theme.GAP,
                width="100%",
            ),
            on_submit=SellerProductsState.create_product,
            id="new-product-form",
            width="100%",
        ),
        description="Start with a title and a price; add pictures, files and text next.",
        id="new-product",
    )


def filters() -> rx.Component:
    return rx.el.form(
        rx.flex(
            rx.input(
                name="q",
                id="seller-search",
                default_value=SellerProductsState.search,
                placeholder="Search your products",
                type="search",
                size="3",
                flex_grow="1",
                min_width="12rem",
                key=SellerProductsState.search,
            ),
            rx.box(
                dropdown(
                    STATUS_FILTERS, name="status", id="seller-status", default_value=SellerProductsState.status_filter
                ),
                min_width="10rem",
                key=SellerProductsState.status_filter,
            ),
            rx.button("Filter", type="submit", size="3", variant="soft", id="seller-filter"),
            gap="0.5rem",
            wrap="wrap",
            width="100%",
        ),
        action=routes.SELLER,
        method="get",
        width="100%",
        role="search",
    )


def product_row(row) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.box(
                rx.cond(
                    row.cover_url,
                    rx.image(src=row.cover_url, alt="", width="100%", height="100%", object_fit="cover"),
                    rx.center(
                        rx.icon("package", size=20),
                        width="100%",
                        height="100%",
                        background_color=rx.color(theme.RADIX_ACCENT, 3),
                    ),
                ),
                width="4.5rem",
                height="3.4rem",
                flex_shrink="0",
                overflow="hidden",
                border_radius=theme.RADIUS_CONTROL,
            ),
            rx.vstack(
                rx.text(row.title, weight="medium", style={"overflow_wrap": "anywhere"}),
                rx.hstack(
                    status_badge(row.status_label),
                    rx.text(row.price_label, size="2"),
                    rx.text(
                        row.sales_count.to_string(),
                        rx.cond(row.sales_count == 1, " sale", " sales"),
                        size="2",
                        color=theme.TEXT_MUTED,
                        custom_attrs={"data-testid": "sales-count"},
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(
                    row.rejection_reason != "",
                    rx.text("Rejected: ", row.rejection_reason, size="1", color=theme.DANGER_TEXT),
                ),
                spacing="1",
                min_width="0",
                flex_grow="1",
            ),
            rx.text(
                "Changed ",
                row.updated_at_label,
                size="1",
                color=theme.TEXT_MUTED,
                display=rx.breakpoints(initial="none", sm="block"),
                white_space="nowrap",
            ),
            align="center",
            spacing="3",
            width="100%",
        ),
        href="/seller/products/" + row.id.to_string(),
        underline="none",
        color="inherit",
        custom_attrs={"data-testid": "seller-product-row"},
        padding="0.75rem",
        border_bottom=f"1px solid {theme.BORDER}",
        display="block",
        width="100%",
    )


def product_list() -> rx.Component:
    pagination = SellerProductsState.pagination
    return rx.vstack(
        filters(),
        rx.cond(
            SellerProductsState.rows.length() > 0,
            rx.box(
                rx.foreach(SellerProductsState.rows, product_row),
                width="100%",
                border=f"1px solid {theme.BORDER}",
                border_radius=theme.RADIUS_CARD,
                overflow="hidden",
                id="seller-products",
            ),
            rx.cond(
                SellerProductsState.loaded,
                empty_state(
                    "package-plus",
                    "No products here",
                    "Products you create appear here, whatever their status. Change the filter to see archived ones.",
                    id="seller-empty",
                ),
            ),
        ),
        pager(
            page=pagination.page,
            page_count=pagination.page_count,
            has_previous=pagination.has_previous,
            has_next=pagination.has_next,
            query=SellerProductsState.query_prefix,
            id="seller-pager",
        ),
        spacing=theme.GAP,
        width="100%",
    )


@seller_page(
    routes.SELLER,
    title="Seller studio",
    description="Manage your shop's products and sales.",
    on_load=SellerProductsState.load,
)
def seller_home() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading("Seller studio", as_="h1", size="7"),
            rx.text(
                "Your shop: ",
                rx.link("/s/", SessionState.shop_slug, href="/s/" + SessionState.shop_slug, id="seller-shop-link"),
                color=theme.TEXT_MUTED,
                id="seller-shop-slug",
            ),
            spacing="1",
        ),
        seller_nav(routes.SELLER),
        new_product_form(),
        rx.heading("Your products", as_="h2", size="5"),
        product_list(),
        spacing=theme.GAP_SECTION,
        width="100%",
    )
