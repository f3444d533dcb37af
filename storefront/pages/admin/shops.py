"""Admin: quality figures per shop (flagged shops first) and each shop's take rate."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from commerce.moderation import quality
from components import theme
from components.admin import admin_header, cell_table
from components.forms import form_error, form_notice
from components.i18n import bt
from state.admin import AdminShopsState
from storefront.layout import admin_page


def thresholds() -> rx.Var:
    return bt(
        "A shop is flagged in the queue above a {refund_rate} refund rate (from {sales} sales), at {disputes} "
        "disputes, below an average of {rating} stars (from {reviews} reviews) or at {reports} reports about "
        "its products.",
        refund_rate=f"{quality.REFUND_RATE_THRESHOLD:.0%}",
        sales=quality.MIN_SALES_FOR_REFUND_RATE,
        disputes=quality.DISPUTE_THRESHOLD,
        rating=f"{quality.LOW_RATING_THRESHOLD:.1f}",
        reviews=quality.MIN_REVIEWS_FOR_RATING,
        reports=quality.REPORT_THRESHOLD,
    )


def take_rate_form(row) -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.el.input(type="hidden", name="shop_id", value=row.shop_id.to_string()),
            rx.input(
                name="take_rate",
                default_value=(row.take_rate_bps / 100).to_string(),
                width="4.5rem",
                aria_label=bt("Take rate in percent for {shop}", shop=row.shop_name),
                custom_attrs={"data-testid": "take-rate-input"},
            ),
            rx.text("%", size="2"),
            rx.button(bt("Save"), type="submit", size="1", variant="soft"),
            spacing="1",
            align="center",
        ),
        on_submit=AdminShopsState.set_take_rate,
        key=AdminShopsState.form_key.to_string() + row.shop_id.to_string(),
    )


def shop_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.link(row.shop_name, href=routes.fill(routes.SHOP, shop_slug=row.shop_slug), weight="medium"),
                rx.text(row.owner_email, size="1", color=theme.TEXT_MUTED),
                rx.cond(row.suspended, rx.badge(bt("suspended"), color_scheme="red")),
                rx.foreach(row.flags, lambda flag: rx.text(flag, size="1", color=theme.DANGER_TEXT)),
                spacing="1",
            )
        ),
        rx.table.cell(row.sales.to_string()),
        rx.table.cell(row.refunds.to_string(), " (", row.refund_rate_label, ")"),
        rx.table.cell(row.disputes.to_string()),
        rx.table.cell(row.rating_label),
        rx.table.cell(row.reports.to_string()),
        rx.table.cell(take_rate_form(row)),
        custom_attrs={"data-testid": "shop-quality-row"},
    )


@admin_page(
    routes.ADMIN_SHOPS,
    title=bo_N_("Shop quality"),
    description=bo_N_("Quality figures and take rates per shop."),
    on_load=AdminShopsState.load,
)
def admin_shops() -> rx.Component:
    return rx.vstack(
        admin_header(bt("Shop quality"), routes.ADMIN_SHOPS, thresholds()),
        form_notice(AdminShopsState.notice, id="shops-notice"),
        form_error(AdminShopsState.error, id="shops-error"),
        cell_table(
            [
                bo_N_("Shop"),
                bo_N_("Sales"),
                bo_N_("Refunds"),
                bo_N_("Disputes"),
                bo_N_("Rating (reviews)"),
                bo_N_("Reports"),
                bo_N_("Take rate (5–8 %)"),
            ],
            AdminShopsState.rows,
            shop_row,
            id="shops-table",
        ),
        spacing=theme.GAP,
        width="100%",
    )
