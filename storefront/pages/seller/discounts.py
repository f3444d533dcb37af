"""The seller's discount codes: the list and the form that creates one."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from commerce.models import DiscountKind
from components import theme
from components.empty_state import empty_state
from components.forms import (
    choice_field,
    field,
    form_error,
    form_notice,
    labelled_input,
    section_card,
    stacked_form,
    submit_button,
    submit_row,
    two_columns,
)
from components.i18n import bt
from components.row_list import ROW_STYLE, row_list
from components.seller_nav import seller_nav
from components.studio import dropdown
from state.seller_sales import CodeRow, SellerDiscountsState
from storefront.layout import seller_page


def code_form() -> rx.Component:
    return section_card(
        bt("New discount code"),
        stacked_form(
            labelled_input(
                bt("Code"),
                name="code",
                id="discount-code",
                placeholder=bt("SPRING15"),
                hint=bt("3 to 40 letters, digits, dashes or underscores."),
            ),
            two_columns(
                choice_field(
                    bt("Kind"),
                    [(DiscountKind.PERCENT, bt("Percent off")), (DiscountKind.FIXED, bt("Amount off"))],
                    name="kind",
                    id="discount-kind",
                    default_value=DiscountKind.PERCENT,
                ),
                labelled_input(
                    bt("Percent or amount off"),
                    name="value",
                    id="discount-value",
                    placeholder="15",
                    hint=bt("A percentage, or an amount in your shop's currency."),
                ),
            ),
            field(
                bt("Applies to"),
                dropdown(
                    [("", bt("Every product in the shop"))],
                    rx.foreach(SellerDiscountsState.products, lambda p: rx.el.option(p.title, value=p.id.to_string())),
                    name="product_id",
                    id="discount-product",
                ),
                html_for="discount-product",
            ),
            rx.grid(
                labelled_input(
                    bt("Minimum order"),
                    name="minimum",
                    id="discount-minimum",
                    required=False,
                    placeholder="0",
                    hint=bt("Of the eligible items, in your currency."),
                ),
                labelled_input(bt("Expires on"), name="expires_on", id="discount-expires", type="date", required=False),
                labelled_input(
                    bt("Usage limit"),
                    name="usage_limit",
                    id="discount-limit",
                    required=False,
                    placeholder=bt("No limit"),
                ),
                columns=rx.breakpoints(initial="1", sm="3"),
                spacing="3",
                width="100%",
            ),
            submit_row(submit_button(bt("Create code"), id="discount-submit", loading=SellerDiscountsState.pending)),
            on_submit=SellerDiscountsState.create,
            reset_on_submit=False,
            id="discount-form",
        ),
        description=bt("Buyers type the code in their cart; it applies to your products only."),
        id="new-discount",
    )


def code_row(code: CodeRow) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(code.label, weight="bold", font_family="monospace"),
            rx.text(code.conditions_label, " · ", code.usage_label, size="2", color=theme.TEXT_MUTED),
            spacing="1",
            min_width="0",
        ),
        rx.spacer(),
        rx.cond(
            code.active,
            rx.button(
                bt("End"),
                on_click=SellerDiscountsState.end(code.id),
                variant="soft",
                color_scheme="gray",
                size="2",
                aria_label=bt("End code {code}", code=code.label),
            ),
            rx.badge(bt("Inactive"), color_scheme="gray", variant="soft"),
        ),
        align="center",
        spacing="3",
        width="100%",
        **ROW_STYLE,
        custom_attrs={"data-testid": "discount-row"},
    )


@seller_page(
    routes.SELLER_DISCOUNTS,
    title=bo_N_("Discount codes"),
    description=bo_N_("Your shop's discount codes."),
    on_load=SellerDiscountsState.load,
)
def seller_discounts() -> rx.Component:
    return rx.vstack(
        rx.heading(bt("Discount codes"), as_="h1", size="7"),
        seller_nav(routes.SELLER_DISCOUNTS),
        form_error(SellerDiscountsState.error, id="discount-error"),
        form_notice(SellerDiscountsState.notice, id="discount-notice"),
        row_list(
            SellerDiscountsState.codes,
            code_row,
            id="discount-list",
            loaded=SellerDiscountsState.loaded,
            empty=empty_state(
                "tag",
                bt("No codes yet"),
                bt("Create a code below and share it with your buyers."),
                id="discount-empty",
            ),
        ),
        code_form(),
        spacing=theme.GAP,
        width="100%",
    )
