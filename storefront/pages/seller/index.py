"""The seller studio's front page: the shop's products, with search, status filter
and pagination, and the form that starts a new product."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from commerce.models import DeliveryKind, PricingMode
from components import theme
from components.buttons import block_link
from components.cover import cover
from components.empty_state import empty_state
from components.forms import (
    choice_field,
    form_error,
    labelled_input,
    section_card,
    stacked_form,
    submit_button,
    submit_row,
    two_columns,
)
from components.i18n import bt
from components.loading import listed
from components.pager import pager
from components.seller_nav import seller_nav
from components.studio import PRICING_OPTIONS, dropdown, status_badge
from state.seller import SellerProductsState
from state.session import SessionState
from storefront.layout import seller_page

STATUS_FILTERS = [
    ("active", bo_N_("All but archived")),
    ("draft", bo_N_("Drafts")),
    ("in_review", bo_N_("In review")),
    ("live", bo_N_("Live")),
    ("rejected", bo_N_("Rejected")),
    ("archived", bo_N_("Archived")),
    ("all", bo_N_("Everything")),
]


def new_product_form() -> rx.Component:
    return section_card(
        bt("New product"),
        stacked_form(
            form_error(SellerProductsState.create_errors.get("form", ""), id="new-product-error"),
            labelled_input(
                bt("Title"),
                name="title",
                id="new-product-title",
                error=SellerProductsState.create_errors.get("title", ""),
                placeholder=bt("The Indie Maker Ebook"),
            ),
            two_columns(
                choice_field(
                    bt("Pricing"),
                    [(value, bt(label)) for value, label in PRICING_OPTIONS],
                    name="pricing",
                    id="new-product-pricing",
                    default_value=PricingMode.FIXED,
                ),
                labelled_input(
                    bt("Price (minimum for pay what you want)"),
                    name="price",
                    id="new-product-price",
                    error=SellerProductsState.create_errors.get("price", ""),
                    placeholder="19.00",
                    hint=bt("In your shop's currency; 0 for free."),
                ),
            ),
            choice_field(
                bt("Buyers receive"),
                [
                    (DeliveryKind.FILES, bt("Downloadable files")),
                    (DeliveryKind.KEYS, bt("License keys")),
                    (DeliveryKind.BOTH, bt("Files and license keys")),
                ],
                name="delivery_kind",
                id="new-product-delivery",
                default_value=DeliveryKind.FILES,
            ),
            submit_row(
                submit_button(bt("Create draft"), id="new-product-submit", loading=SellerProductsState.create_pending)
            ),
            on_submit=SellerProductsState.create_product,
            id="new-product-form",
        ),
        description=bt("Start with a title and a price; add pictures, files and text next."),
        id="new-product",
    )


def filters() -> rx.Component:
    return rx.el.form(
        rx.flex(
            rx.input(
                name="q",
                id="seller-search",
                default_value=SellerProductsState.search,
                placeholder=bt("Search your products"),
                aria_label=bt("Search your products"),
                type="search",
                size="3",
                flex_grow="1",
                min_width="12rem",
                key=SellerProductsState.search,
            ),
            rx.box(
                dropdown(
                    [(value, bt(label)) for value, label in STATUS_FILTERS],
                    name="status",
                    id="seller-status",
                    default_value=SellerProductsState.status_filter,
                    label=bt("Status"),
                ),
                min_width="10rem",
                key=SellerProductsState.status_filter,
            ),
            rx.button(bt("Filter"), type="submit", size="3", variant="soft", id="seller-filter"),
            gap="0.5rem",
            wrap="wrap",
            width="100%",
        ),
        action=routes.SELLER,
        method="get",
        width="100%",
        role="search",
        aria_label=bt("Your products"),
    )


def product_row(row) -> rx.Component:
    return block_link(
        rx.hstack(
            cover(
                row.cover_url,
                icon_size=20,
                width="4.5rem",
                height="3.4rem",
                flex_shrink="0",
                border_radius=theme.RADIUS_CONTROL,
            ),
            rx.vstack(
                rx.text(row.title, weight="medium", style={"overflow_wrap": "anywhere"}),
                rx.hstack(
                    status_badge(row.status_label),
                    rx.text(row.price_label, size="2"),
                    rx.text(
                        row.sales_label,
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
                    rx.text(bt("Rejected: {reason}", reason=row.rejection_reason), size="1", color=theme.DANGER_TEXT),
                ),
                spacing="1",
                min_width="0",
                flex_grow="1",
            ),
            rx.text(
                bt("Changed {day}", day=row.updated_at_label),
                size="1",
                color=theme.TEXT_MUTED,
                display=rx.breakpoints(initial="none", sm="block"),
                white_space="nowrap",
            ),
            align="center",
            spacing="3",
            width="100%",
        ),
        href=routes.fill(routes.SELLER_PRODUCT, edit_product_id=row.id.to_string()),
        custom_attrs={"data-testid": "seller-product-row"},
        padding="0.75rem",
        border_bottom=f"1px solid {theme.BORDER}",
        width="100%",
    )


def product_list() -> rx.Component:
    return rx.vstack(
        filters(),
        listed(
            SellerProductsState.rows,
            rx.box(
                rx.foreach(SellerProductsState.rows, product_row),
                width="100%",
                border=f"1px solid {theme.BORDER}",
                border_radius=theme.RADIUS_CARD,
                overflow="hidden",
                id="seller-products",
            ),
            loaded=SellerProductsState.loaded,
            empty=empty_state(
                "package-plus",
                bt("No products here"),
                bt("Products you create appear here, whatever their status. Change the filter to see archived ones."),
                id="seller-empty",
            ),
        ),
        pager(
            SellerProductsState.pagination,
            query=SellerProductsState.query_prefix,
            id="seller-pager",
        ),
        spacing=theme.GAP,
        width="100%",
    )


@seller_page(
    routes.SELLER,
    title=bo_N_("Seller studio"),
    description=bo_N_("Manage your shop's products and sales."),
    on_load=SellerProductsState.load,
)
def seller_home() -> rx.Component:
    shop_address = routes.fill(routes.SHOP, shop_slug=SessionState.shop_slug)
    return rx.vstack(
        rx.vstack(
            rx.heading(bt("Seller studio"), as_="h1", size="7"),
            rx.text(
                bt("Your shop:"),
                " ",
                rx.link(shop_address, href=shop_address, id="seller-shop-link"),
                color=theme.TEXT_MUTED,
                id="seller-shop-slug",
            ),
            spacing="1",
        ),
        seller_nav(routes.SELLER),
        new_product_form(),
        rx.heading(bt("Your products"), as_="h2", size="5"),
        product_list(),
        spacing=theme.GAP_SECTION,
        width="100%",
    )
