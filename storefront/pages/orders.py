"""The order confirmation page (live until the payment is confirmed) and the order history."""

from __future__ import annotations

import reflex as rx

import routes
from components import theme
from components.buttons import block_link, link_button
from components.empty_state import empty_state, missing_state
from components.forms import banner, form_error, form_notice
from components.i18n import t
from components.loading import once_loaded
from components.pager import pager
from components.row_list import ROW_STYLE, row_list
from state.orders import (
    DeliveryFileRow,
    DeliveryItemRow,
    DeliveryKeyRow,
    OrderHistoryState,
    OrderLineRow,
    OrderPage,
    OrderState,
)
from storefront.layout import column, library_page, shop_page

ORDER = OrderState.order
STATUS_COLORS = {
    "Paid": "green",
    "Awaiting payment": "amber",
    "Partly refunded": "blue",
    "Refunded": "gray",
    "Disputed": "red",
    "Cancelled": "gray",
}


def order_status_badge(label) -> rx.Component:
    label_var = rx.Var.create(label)
    return rx.badge(
        label_var,
        color_scheme=rx.match(label_var, *STATUS_COLORS.items(), "gray"),
        variant="soft",
        size="2",
        custom_attrs={"data-testid": "order-status"},
    )


def _amount_row(label, value, *, id: str, bold: bool = False) -> rx.Component:
    weight = "bold" if bold else "regular"
    return rx.hstack(
        rx.text(label, weight=weight),
        rx.spacer(),
        rx.text(value, id=id, weight=weight, white_space="nowrap"),
        width="100%",
    )


def order_line(line: OrderLineRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(line.title, weight="medium", style={"overflow_wrap": "anywhere"}),
            rx.spacer(),
            rx.text(line.total_label, weight="bold", white_space="nowrap"),
            width="100%",
            align="start",
        ),
        rx.flex(
            rx.text(t("Price {price}", price=line.unit_label), size="1", color=theme.TEXT_MUTED),
            rx.cond(
                line.discount_label != "",
                rx.text(t("Discount −{amount}", amount=line.discount_label), size="1", color=theme.TEXT_MUTED),
            ),
            rx.text(t("VAT {amount}", amount=line.tax_label), size="1", color=theme.TEXT_MUTED),
            rx.cond(
                line.refunded_label != "",
                rx.text(t("Refunded {amount}", amount=line.refunded_label), size="1", color=theme.DANGER_TEXT),
            ),
            gap="0.25rem 1rem",
            wrap="wrap",
        ),
        spacing="1",
        width="100%",
        padding_y="0.5rem",
        border_bottom=f"1px solid {theme.BORDER}",
        custom_attrs={"data-testid": "order-line"},
    )


def status_banner() -> rx.Component:
    paid = banner(
        rx.vstack(
            rx.heading(t("Payment received"), as_="h2", size="4", id="order-paid-heading"),
            rx.text(
                t("Thank you! Your receipt is on its way to {email}.", email=ORDER.email),
                " ",
                rx.cond(
                    OrderState.signed_in,
                    t("Your purchase is below and in your library."),
                    t(
                        "Your purchase is below, ready now. The email's \u201cAccess your purchase\u201d button "
                        "signs you in to your library with one click, no password needed."
                    ),
                ),
            ),
            rx.cond(
                ~OrderState.signed_in,
                rx.text(
                    t("Setting a password is optional: you can add one later on your account page."),
                    size="2",
                    id="order-password-optional",
                ),
            ),
            spacing="1",
        ),
        icon="circle_check",
        color="green",
        id="order-paid",
        high_contrast=True,
    )
    declined = banner(
        rx.vstack(
            rx.text(t("Payment failed: {reason}", reason=ORDER.payment_error), weight="bold"),
            rx.text(t("Your order has not been paid. Try again with another card.")),
            link_button(t("Try again"), ORDER.retry_path, id="order-retry"),
            spacing="2",
        ),
        icon="triangle_alert",
        color="red",
        alert=True,
        id="order-declined",
    )
    waiting = banner(
        rx.hstack(
            rx.spinner(size="2"),
            rx.text(t("Waiting for the payment to be confirmed… This page updates by itself.")),
            align="center",
            spacing="2",
        ),
        icon="clock",
        color="amber",
        id="order-waiting",
    )
    unpaid = banner(
        rx.vstack(
            rx.text(t("This order has not been paid.")),
            rx.cond(ORDER.retry_path != "", link_button(t("Pay now"), ORDER.retry_path, id="order-pay")),
            spacing="2",
        ),
        icon="info",
        color="amber",
        id="order-unpaid",
    )
    return rx.cond(
        ORDER.is_paid,
        paid,
        rx.cond(
            ORDER.is_pending,
            rx.cond(ORDER.payment_error != "", declined, rx.cond(OrderState.watching, waiting, unpaid)),
            rx.fragment(),
        ),
    )


def delivery_file(file: DeliveryFileRow) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(file.filename, weight="medium", style={"overflow_wrap": "anywhere"}),
            rx.text(file.size_label, size="1", color=theme.TEXT_MUTED),
            spacing="0",
            min_width="0",
        ),
        rx.spacer(),
        rx.cond(
            file.reader_url != "",
            rx.button(
                rx.link(
                    rx.icon("book-open", size=16),
                    t("View online"),
                    href=file.reader_url,
                    underline="none",
                    aria_label=t("View online: {file}", file=file.filename),
                ),
                as_child=True,
                size="2",
                variant="soft",
                custom_attrs={"data-testid": "order-view-online"},
            ),
            rx.button(
                rx.cond(OrderState.preparing_file_id == file.id, rx.spinner(size="2"), rx.icon("download", size=16)),
                t("Download"),
                on_click=OrderState.download(file.id),
                disabled=OrderState.preparing_file_id != 0,
                aria_label=t("Download {file}", file=file.filename),
                size="2",
                style=theme.CTA_BUTTON_STYLE,
            ),
        ),
        width="100%",
        align="center",
        custom_attrs={"data-testid": "order-file"},
    )


def delivery_key(key: DeliveryKeyRow) -> rx.Component:
    return rx.hstack(
        rx.code(key.key, size="3", style={"overflow_wrap": "anywhere"}, custom_attrs={"data-testid": "order-key-text"}),
        rx.badge(key.status_label, color_scheme="gray", variant="soft"),
        rx.button(
            rx.icon("copy", size=16),
            t("Copy"),
            on_click=rx.set_clipboard(key.key),
            aria_label=t("Copy license key"),
            size="2",
            variant="soft",
        ),
        spacing="2",
        align="center",
        wrap="wrap",
        width="100%",
        custom_attrs={"data-testid": "order-key"},
    )


def delivery_item(item: DeliveryItemRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(item.title, as_="h3", size="3", style={"overflow_wrap": "anywhere"}),
            rx.cond(
                item.version_label != "", rx.badge(t("Version {version}", version=item.version_label), variant="soft")
            ),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        rx.foreach(item.files, delivery_file),
        rx.foreach(item.license_keys, delivery_key),
        rx.cond(
            item.delivering & (item.license_keys.length() == 0),
            rx.hstack(
                rx.spinner(size="2"),
                rx.text(t("Your license key is being issued; it appears here in a moment.")),
                align="center",
                spacing="2",
                custom_attrs={"data-testid": "order-key-pending"},
            ),
        ),
        rx.cond(
            OrderState.signed_in,
            rx.link(t("Open in your library"), href=item.library_url, size="2"),
        ),
        spacing="2",
        width="100%",
        padding_y="0.5rem",
        border_top=f"1px solid {theme.BORDER}",
        custom_attrs={"data-testid": "order-delivery-item"},
    )


def delivery_panel() -> rx.Component:
    return rx.cond(
        ORDER.is_paid & (OrderState.delivery.length() > 0),
        rx.card(
            rx.vstack(
                rx.heading(t("Your purchase"), as_="h2", size="4"),
                form_error(OrderState.download_error, id="order-download-error"),
                form_notice(OrderState.download_notice, id="order-download-notice"),
                rx.foreach(OrderState.delivery, delivery_item),
                spacing="3",
                width="100%",
            ),
            size="3",
            width="100%",
            id="order-delivery",
        ),
    )


def order_detail() -> rx.Component:
    return column(
        rx.vstack(
            rx.heading(
                rx.cond(
                    ORDER.is_paid,
                    t("Paid: order {reference}", reference=ORDER.reference),
                    t("Order {reference}", reference=ORDER.reference),
                ),
                as_="h1",
                size="6",
                id="order-heading",
                style={"overflow_wrap": "anywhere"},
            ),
            rx.hstack(
                order_status_badge(ORDER.status_label),
                rx.text(t("Placed {date}", date=ORDER.created_label), size="2", color=theme.TEXT_MUTED),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            spacing="2",
        ),
        status_banner(),
        delivery_panel(),
        rx.card(
            rx.vstack(
                rx.heading(rx.cond(ORDER.is_paid, t("Receipt"), t("Order summary")), as_="h2", size="4"),
                rx.box(rx.foreach(ORDER.lines, order_line), width="100%", id="order-lines"),
                _amount_row(t("Subtotal"), ORDER.subtotal_label, id="order-subtotal"),
                rx.cond(
                    ORDER.has_discount, _amount_row(t("Discount"), "−" + ORDER.discount_label, id="order-discount")
                ),
                _amount_row(t("VAT"), ORDER.tax_label, id="order-tax"),
                _amount_row(t("Total"), ORDER.total_label, id="order-total", bold=True),
                rx.cond(
                    ORDER.refunded_label != "", _amount_row(t("Refunded"), ORDER.refunded_label, id="order-refunded")
                ),
                rx.cond(
                    ORDER.country_name != "",
                    rx.text(
                        t("Billing country: {country}", country=ORDER.country_name), size="2", color=theme.TEXT_MUTED
                    ),
                ),
                rx.cond(
                    ORDER.paid_label != "",
                    rx.text(t("Paid {date}", date=ORDER.paid_label), size="2", color=theme.TEXT_MUTED),
                ),
                rx.text(t("Sent to {email}", email=ORDER.email), size="2", color=theme.TEXT_MUTED),
                spacing="3",
                width="100%",
            ),
            size="3",
            width="100%",
            id="order-receipt",
        ),
        rx.cond(
            ORDER.is_paid & OrderState.signed_in,
            rx.flex(
                link_button(t("Go to your library"), routes.LIBRARY, id="order-library"),
                link_button(t("All your orders"), routes.ORDERS, id="order-history", primary=False),
                gap="0.75rem",
                wrap="wrap",
            ),
        ),
        max_width="40rem",
        spacing=theme.GAP,
    )


@shop_page(routes.ORDER, title=t("Your order"), description=t("Your order and its receipt."), on_load=OrderState.load)
def order_page() -> rx.Component:
    missing = missing_state(
        "receipt",
        "We could not find this order",
        t("Sign in with the account that placed it to see it, or check the link in your receipt email."),
        id="order-missing",
        back=("Sign in", routes.login_url(routes.ORDERS), "order-missing-login"),
    )
    return once_loaded(OrderState.loaded, order_detail(), not_found=OrderState.not_found, missing=missing)


def history_row(order: OrderPage) -> rx.Component:
    return block_link(
        rx.hstack(
            rx.vstack(
                rx.text(order.reference, weight="medium", font_family="monospace"),
                rx.text(
                    order.created_label,
                    " · ",
                    order.line_count.to_string(),
                    " item(s)",
                    size="1",
                    color=theme.TEXT_MUTED,
                ),
                spacing="1",
                min_width="0",
            ),
            rx.spacer(),
            rx.vstack(
                rx.text(order.total_label, weight="bold", white_space="nowrap"),
                order_status_badge(order.status_label),
                align="end",
                spacing="1",
            ),
            width="100%",
            align="center",
        ),
        href=order.url,
        width="100%",
        **ROW_STYLE,
        custom_attrs={"data-testid": "order-row"},
    )


@library_page(
    routes.ORDERS, title=t("Your orders"), description=t("Everything you have ordered."), on_load=OrderHistoryState.load
)
def order_history() -> rx.Component:
    return rx.vstack(
        rx.heading(t("Your orders"), as_="h1", size="7"),
        row_list(
            OrderHistoryState.orders,
            history_row,
            id="order-list",
            loaded=OrderHistoryState.loaded,
            empty=empty_state(
                "receipt",
                t("No orders yet"),
                t("Orders you place appear here with their receipts."),
                action=link_button(t("Browse products"), routes.HOME, id="orders-browse"),
                id="orders-empty",
            ),
        ),
        pager(
            OrderHistoryState.pagination,
            id="orders-pager",
        ),
        spacing=theme.GAP_SECTION,
        width="100%",
    )
