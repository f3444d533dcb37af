"""The cart: items grouped by seller, pay-what-you-want amounts, discount code, billing
country (VAT), currency, totals and checkout."""

from __future__ import annotations

import reflex as rx

import routes
from components import theme
from components.buttons import link_button
from components.empty_state import empty_state
from components.forms import field, form_error, labelled_input, stacked_form, submit_button
from components.i18n import t
from components.loading import once_loaded
from components.price import amount_input
from components.studio import NATIVE_CONTROL_STYLE, field_label
from state.cart import CartRow, CartState
from state.session import SessionState
from storefront.layout import shop_page

T = CartState.totals


def _amount_form(row: CartRow) -> rx.Component:
    field_id = "cart-amount-" + row.product_id.to_string()
    error = CartState.amount_errors.get(row.product_id.to_string(), "")
    return rx.form(
        rx.vstack(
            rx.el.label(
                t("Your price (from {minimum})", minimum=row.minimum_label),
                html_for=field_id,
                font_size="0.85rem",
                font_weight="500",
            ),
            rx.hstack(
                rx.el.input(type="hidden", name="product_id", value=row.product_id.to_string()),
                amount_input(
                    id=field_id,
                    value=row.amount_input,
                    width="7rem",
                    aria_label=t("Your price for {title}", title=row.title),
                ),
                rx.button(t("Update price"), type="submit", size="2", variant="soft"),
                spacing="2",
                align="center",
            ),
            rx.cond(error != "", rx.text(error, size="2", color=theme.DANGER_TEXT, role="alert")),
            spacing="1",
        ),
        on_submit=CartState.set_amount,
        reset_on_submit=False,
    )


def cart_line(row: CartRow) -> rx.Component:
    return rx.fragment(
        rx.cond(
            row.first_of_shop,
            rx.hstack(
                rx.icon("store", size=16, color=theme.TEXT_MUTED),
                rx.heading(row.shop_name, as_="h2", size="3"),
                align="center",
                spacing="2",
                padding_top="0.5rem",
                custom_attrs={"data-testid": "cart-shop"},
            ),
        ),
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.link(row.title, href=row.url, weight="medium", style={"overflow_wrap": "anywhere"}),
                    rx.spacer(),
                    rx.text(
                        row.total_label,
                        weight="bold",
                        white_space="nowrap",
                        custom_attrs={"data-testid": "cart-line-total"},
                    ),
                    width="100%",
                    align="start",
                ),
                rx.cond(
                    row.problem != "",
                    rx.callout(
                        t("Unavailable: {reason}", reason=row.problem),
                        icon="triangle_alert",
                        color_scheme="red",
                        size="1",
                        width="100%",
                        custom_attrs={"data-testid": "cart-line-problem"},
                    ),
                ),
                rx.flex(
                    rx.text(t("Price {price}", price=row.unit_label), size="2", color=theme.TEXT_MUTED),
                    rx.cond(
                        row.discount_label != "",
                        rx.text(t("Discount −{amount}", amount=row.discount_label), size="2", color=theme.TEXT_MUTED),
                    ),
                    rx.cond(
                        T.has_tax_rate,
                        rx.text(
                            t("VAT {amount}", amount=row.tax_label),
                            size="2",
                            color=theme.TEXT_MUTED,
                            custom_attrs={"data-testid": "cart-line-vat"},
                        ),
                    ),
                    gap="0.25rem 1rem",
                    wrap="wrap",
                ),
                rx.cond(row.is_pwyw & (row.problem == ""), _amount_form(row)),
                rx.button(
                    rx.icon("trash-2", size=14),
                    t("Remove"),
                    on_click=CartState.remove(row.product_id),
                    variant="ghost",
                    color_scheme="gray",
                    size="2",
                    aria_label=t("Remove {title}", title=row.title),
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
            custom_attrs={"data-testid": "cart-line"},
        ),
    )


def code_form() -> rx.Component:
    applied = rx.hstack(
        rx.badge(rx.icon("tag", size=14), CartState.code, color_scheme="green", size="2"),
        rx.text("applied", size="2", color=theme.TEXT_MUTED),
        rx.button(
            t("Remove code"),
            on_click=CartState.remove_code,
            variant="ghost",
            size="1",
            color_scheme="gray",
            id="cart-code-remove",
        ),
        align="center",
        spacing="2",
        id="cart-code-applied",
    )
    form = stacked_form(
        field_label(t("Discount code"), "cart-code"),
        rx.hstack(
            rx.input(
                name="code",
                id="cart-code",
                size="3",
                flex_grow="1",
                auto_complete="off",
                auto_capitalize="characters",
            ),
            rx.button(t("Apply"), type="submit", size="3", variant="soft", id="cart-code-apply"),
            width="100%",
            spacing="2",
        ),
        spacing="1",
        on_submit=CartState.apply_code,
    )
    message = rx.cond(CartState.code_error != "", CartState.code_error, CartState.code_message)
    # A kept code that stopped applying (expired, used up) blocks checkout until removed.
    stale = (CartState.code != "") & (CartState.code_message != "")
    return rx.vstack(
        rx.cond((CartState.code != "") & (CartState.code_message == ""), applied, form),
        rx.cond(message != "", rx.text(message, size="2", color=theme.DANGER_TEXT, role="alert", id="cart-code-error")),
        rx.cond(
            stale,
            rx.button(
                t("Remove code {code}", code=CartState.code),
                on_click=CartState.remove_code,
                variant="soft",
                color_scheme="gray",
                size="2",
                id="cart-code-remove-stale",
            ),
        ),
        spacing="2",
        width="100%",
    )


def country_picker() -> rx.Component:
    return field(
        t("Billing country"),
        rx.el.Select.create(
            rx.el.option(t("Choose your country"), value=""),
            rx.foreach(CartState.countries, lambda country: rx.el.option(country[1], value=country[0])),
            id="cart-country",
            value=CartState.country,
            on_change=CartState.choose_country,
            style=NATIVE_CONTROL_STYLE,
        ),
        rx.text(t("EU buyers pay their country's VAT; elsewhere no tax is added."), size="1", color=theme.TEXT_MUTED),
        html_for="cart-country",
    )


def currency_picker() -> rx.Component:
    return field(
        t("Currency"),
        rx.el.Select.create(
            rx.foreach(CartState.currencies, lambda code: rx.el.option(code, value=code)),
            id="cart-currency",
            value=CartState.currency,
            on_change=CartState.choose_currency,
            style=NATIVE_CONTROL_STYLE,
        ),
        rx.text(
            t("Prices are converted at today's stored rate and locked into your order."),
            size="1",
            color=theme.TEXT_MUTED,
        ),
        html_for="cart-currency",
    )


def _total_row(label, value, *, id: str, bold: bool = False) -> rx.Component:
    return rx.hstack(
        rx.text(label, weight="bold" if bold else "regular"),
        rx.spacer(),
        rx.text(value, id=id, weight="bold" if bold else "regular", white_space="nowrap"),
        width="100%",
    )


def checkout_form() -> rx.Component:
    return stacked_form(
        form_error(CartState.checkout_errors.get("form", ""), id="checkout-error"),
        rx.cond(
            ~SessionState.is_signed_in,
            rx.vstack(
                labelled_input(
                    t("Email"),
                    name="email",
                    id="checkout-email",
                    type="email",
                    auto_complete="email",
                    error=CartState.checkout_errors.get("email", ""),
                    hint=t("Your receipt and a link to your library go here; you can set a password from it later."),
                ),
                rx.text(
                    t("Have an account?"),
                    " ",
                    rx.link(t("Sign in"), href=routes.login_url(routes.CART), id="checkout-login"),
                    size="2",
                ),
                spacing="2",
                width="100%",
            ),
        ),
        submit_button(
            rx.cond(T.is_free, t("Get it free"), t("Checkout")),
            id="checkout-submit",
            loading=CartState.checkout_pending,
        ),
        spacing="3",
        on_submit=CartState.start_checkout,
        reset_on_submit=False,
        id="checkout-form",
    )


def summary() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("Summary"), as_="h2", size="4"),
            code_form(),
            country_picker(),
            currency_picker(),
            rx.divider(),
            _total_row(t("Subtotal"), T.subtotal_label, id="cart-subtotal"),
            rx.cond(T.has_discount, _total_row(t("Discount"), "−" + T.discount_label, id="cart-discount")),
            _total_row(
                rx.cond(T.has_tax_rate, t("VAT ({rate})", rate=T.tax_rate_label), t("Tax")), T.tax_label, id="cart-tax"
            ),
            _total_row(t("Total"), T.total_label, id="cart-total", bold=True),
            checkout_form(),
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
        id="cart-summary",
    )


def cart_view() -> rx.Component:
    return rx.grid(
        rx.vstack(rx.foreach(CartState.rows, cart_line), spacing="3", width="100%", id="cart-lines"),
        summary(),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="5",
        width="100%",
    )


@shop_page(
    routes.CART, title=t("Your cart"), description=t("The products you are about to buy."), on_load=CartState.load
)
def cart_page() -> rx.Component:
    empty = empty_state(
        "shopping-cart",
        t("Your cart is empty"),
        t("Find something you like and add it to your cart."),
        action=link_button(t("Browse products"), routes.HOME, id="cart-browse"),
        id="cart-empty",
    )
    return rx.vstack(
        rx.heading(t("Your cart"), as_="h1", size="7"),
        form_error(CartState.error, id="cart-error"),
        once_loaded(CartState.loaded, rx.cond(CartState.rows.length() > 0, cart_view(), empty)),
        spacing=theme.GAP_SECTION,
        width="100%",
    )
