"""The seller's bundles: a product of theirs that also grants some of their other products."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.catalog.bundles import MAX_BUNDLE_ITEMS, BundleView
from commerce.i18n import bo_N_
from commerce.orders.discounts import ProductChoice
from components import theme
from components.empty_state import empty_state
from components.forms import field, form_error, form_notice, section_card, stacked_form, submit_button, submit_row
from components.i18n import bt
from components.row_list import ROW_STYLE, row_list
from components.seller_nav import seller_nav
from components.studio import dropdown
from state.seller_sales import SellerBundlesState
from storefront.layout import seller_page


def item_checkbox(product: ProductChoice) -> rx.Component:
    field_id = "bundle-item-" + product.id.to_string()
    return rx.hstack(
        rx.el.input(
            type="checkbox",
            name="item-" + product.id.to_string(),
            id=field_id,
            style={"width": "1.1rem", "height": "1.1rem"},
        ),
        rx.el.label(product.title, html_for=field_id, style={"overflow_wrap": "anywhere"}),
        align="center",
        spacing="2",
        width="100%",
    )


def bundle_form() -> rx.Component:
    return section_card(
        bt("Make a bundle"),
        stacked_form(
            form_error(SellerBundlesState.error, id="bundle-error"),
            form_notice(SellerBundlesState.notice, id="bundle-notice"),
            field(
                bt("Bundle product"),
                dropdown(
                    [("", bt("Choose one of your products"))],
                    rx.foreach(SellerBundlesState.products, lambda p: rx.el.option(p.title, value=p.id.to_string())),
                    name="bundle_id",
                    id="bundle-product",
                ),
                rx.text(
                    bt("Buyers pay this product's price and get the products ticked below with it."),
                    size="1",
                    color=theme.TEXT_MUTED,
                ),
                html_for="bundle-product",
            ),
            rx.el.fieldset(
                rx.el.legend(
                    bt("Included products (up to {count})", count=MAX_BUNDLE_ITEMS),
                    font_weight="500",
                    font_size="0.9rem",
                    margin_bottom="0.5rem",
                ),
                rx.vstack(rx.foreach(SellerBundlesState.products, item_checkbox), spacing="2", width="100%"),
                style={"border": "none", "padding": "0", "margin": "0", "width": "100%"},
            ),
            rx.text(
                bt("Save with nothing ticked to turn a bundle back into a plain product."),
                size="1",
                color=theme.TEXT_MUTED,
            ),
            submit_row(submit_button(bt("Save bundle"), id="bundle-submit", loading=SellerBundlesState.pending)),
            on_submit=SellerBundlesState.save,
            reset_on_submit=True,
            id="bundle-form",
        ),
        id="new-bundle",
    )


def bundle_row(bundle: BundleView) -> rx.Component:
    return rx.vstack(
        rx.text(bundle.title, weight="bold"),
        rx.text(bt("Includes {products}", products=bundle.items_label), size="2", color=theme.TEXT_MUTED),
        spacing="1",
        width="100%",
        **ROW_STYLE,
        custom_attrs={"data-testid": "bundle-row"},
    )


@seller_page(
    routes.SELLER_BUNDLES,
    title=bo_N_("Bundles"),
    description=bo_N_("Sell several of your products together."),
    on_load=SellerBundlesState.load,
)
def seller_bundles() -> rx.Component:
    return rx.vstack(
        rx.heading(bt("Bundles"), as_="h1", size="7"),
        seller_nav(routes.SELLER_BUNDLES),
        row_list(
            SellerBundlesState.bundles,
            bundle_row,
            id="bundle-list",
            loaded=SellerBundlesState.loaded,
            empty=empty_state(
                "boxes",
                bt("No bundles yet"),
                bt("Pick one of your products below and tick what it should include."),
                id="bundle-empty",
            ),
        ),
        bundle_form(),
        spacing=theme.GAP,
        width="100%",
    )
