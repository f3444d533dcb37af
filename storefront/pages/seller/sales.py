"""The seller's sales: paid orders holding their products, with full and partial refunds."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from commerce.orders.sales import SaleLineView, SaleView
from components import theme
from components.empty_state import empty_state
from components.forms import form_error, form_notice, search_form
from components.i18n import bt
from components.loading import listed
from components.pager import pager
from components.price import amount_input
from components.seller_nav import seller_nav
from components.studio import status_badge
from state.seller_sales import SellerSalesState
from storefront.layout import seller_page


def partial_refund_form(sale: SaleView, line: SaleLineView) -> rx.Component:
    field_id = "refund-amount-" + line.line_id.to_string()
    return rx.form(
        rx.flex(
            rx.el.input(type="hidden", name="reference", value=sale.reference),
            rx.el.input(type="hidden", name="line_id", value=line.line_id.to_string()),
            rx.el.label(
                bt("Refund amount ({currency})", currency=sale.currency),
                html_for=field_id,
                font_size="0.8rem",
                width="100%",
            ),
            amount_input(
                id=field_id,
                value=line.refundable_input,
                width="7rem",
                aria_label=bt("Refund amount for {product}", product=line.title),
            ),
            rx.button(
                bt("Refund part"),
                type="submit",
                size="2",
                variant="soft",
                loading=SellerSalesState.pending_reference == sale.reference,
            ),
            gap="0.5rem",
            wrap="wrap",
            align="center",
        ),
        on_submit=SellerSalesState.refund_line,
        reset_on_submit=False,
    )


def sale_line(sale: SaleView, line: SaleLineView) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(line.title, weight="medium", style={"overflow_wrap": "anywhere"}),
            rx.spacer(),
            rx.text(line.total_label, white_space="nowrap"),
            width="100%",
        ),
        rx.cond(
            line.refunded_label != "",
            rx.text(bt("Refunded {amount}", amount=line.refunded_label), size="1", color=theme.DANGER_TEXT),
        ),
        rx.cond(line.refundable > 0, partial_refund_form(sale, line)),
        spacing="1",
        width="100%",
    )


def full_refund_button(sale: SaleView) -> rx.Component:
    """Asks first: a full refund cannot be undone and ends the buyer's access."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                bt("Refund in full"),
                color_scheme="red",
                variant="soft",
                size="2",
                loading=SellerSalesState.pending_reference == sale.reference,
                aria_label=bt("Refund in full, order {reference}", reference=sale.reference),
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(bt("Refund order {reference} in full?", reference=sale.reference)),
            rx.alert_dialog.description(
                bt(
                    "The buyer gets back everything they paid for your items and loses access to them. "
                    "This cannot be undone."
                )
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(bt("Keep the sale"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(bt("Refund"), color_scheme="red", on_click=SellerSalesState.refund_order(sale.reference))
                ),
                gap="0.75rem",
                justify="end",
                margin_top="1rem",
            ),
        ),
    )


def sale_card(sale: SaleView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(sale.reference, weight="bold", font_family="monospace"),
                status_badge(sale.status_label),
                rx.spacer(),
                rx.text(sale.total_label, weight="bold", white_space="nowrap"),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.text(
                sale.created_label,
                " · ",
                sale.buyer,
                size="1",
                color=theme.TEXT_MUTED,
                style={"overflow_wrap": "anywhere"},
            ),
            rx.foreach(sale.lines, lambda line: sale_line(sale, line)),
            rx.cond(sale.refundable, full_refund_button(sale)),
            spacing="2",
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-testid": "sale"},
    )


def _search() -> rx.Component:
    return search_form(
        on_submit=SellerSalesState.search,
        id="sales-search",
        value=SellerSalesState.query,
        placeholder=bt("Order reference or buyer email"),
        label=bt("Search sales"),
        key=SellerSalesState.query,
    )


@seller_page(
    routes.SELLER_SALES,
    title=bo_N_("Sales"),
    description=bo_N_("Your shop's sales and refunds."),
    on_load=SellerSalesState.load,
)
def seller_sales() -> rx.Component:
    return rx.vstack(
        rx.heading(bt("Sales"), as_="h1", size="7"),
        seller_nav(routes.SELLER_SALES),
        _search(),
        form_error(SellerSalesState.error, id="sales-error"),
        form_notice(SellerSalesState.notice, id="sales-notice"),
        listed(
            SellerSalesState.sales,
            rx.vstack(rx.foreach(SellerSalesState.sales, sale_card), spacing="3", width="100%", id="sales-list"),
            loaded=SellerSalesState.loaded,
            empty=rx.cond(
                SellerSalesState.query != "",
                empty_state(
                    "search-x",
                    bt("No matching sales"),
                    bt('No order reference or buyer email contains "{query}".', query=SellerSalesState.query),
                    id="sales-empty",
                ),
                empty_state(
                    "receipt",
                    bt("No sales yet"),
                    bt("Paid orders for your products appear here; you can refund them from here."),
                    id="sales-empty",
                ),
            ),
        ),
        pager(
            SellerSalesState.pagination,
            id="sales-pager",
            query=SellerSalesState.page_query,
        ),
        rx.text(bt("A full refund also removes the buyer's access to the product."), size="1", color=theme.TEXT_MUTED),
        spacing=theme.GAP,
        width="100%",
    )
