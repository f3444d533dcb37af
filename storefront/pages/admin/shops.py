"""Admin: quality figures per shop (flagged shops first) and each shop's take rate."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.moderation import quality
from components import theme
from components.admin import admin_header, cell_table
from components.forms import form_error, form_notice
from state.admin import AdminShopsState
from storefront.layout import admin_page

THRESHOLDS = (
    f"A shop is flagged in the queue above a {quality.REFUND_RATE_THRESHOLD:.0%} refund rate "
    f"(from {quality.MIN_SALES_FOR_REFUND_RATE} sales), at {quality.DISPUTE_THRESHOLD} disputes, "
    f"below an average of {quality.LOW_RATING_THRESHOLD:.1f} stars (from {quality.MIN_REVIEWS_FOR_RATING} "
    f"reviews) or at {quality.REPORT_THRESHOLD} reports about its products."
)


def take_rate_form(row) -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.el.input(type="hidden", name="shop_id", value=row.shop_id.to_string()),
            rx.input(
                name="take_rate",
                default_value=(row.take_rate_bps / 100).to_string(),
                width="4.5rem",
                aria_label="Take rate in percent for " + row.shop_name,
                custom_attrs={"data-testid": "take-rate-input"},
            ),
            rx.text("%", size="2"),
            rx.button("Save", type="submit", size="1", variant="soft"),
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
                rx.cond(row.suspended, rx.badge("suspended", color_scheme="red")),
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
    title="Shop quality",
    description="Quality figures and take rates per shop.",
    on_load=AdminShopsState.load,
)
def admin_shops() -> rx.Component:
    return rx.vstack(
        admin_header("Shop quality", routes.ADMIN_SHOPS, THRESHOLDS),
        form_notice(AdminShopsState.notice, id="shops-notice"),
        form_error(AdminShopsState.error, id="shops-error"),
        cell_table(
            ["Shop", "Sales", "Refunds", "Disputes", "Rating (reviews)", "Reports", "Take rate (5–8 %)"],
            AdminShopsState.rows,
            shop_row,
            id="shops-table",
        ),
        spacing=theme.GAP,
        width="100%",
    )
