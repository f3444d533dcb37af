"""The seller dashboard: headline cards, revenue and orders over time, the funnel,
top products and where buyers come from. It updates live when a sale lands."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.analytics.dashboard import RANGES
from components import theme
from components.buttons import link_button
from components.charts import (
    funnel_chart,
    funnel_table,
    horizontal_bars,
    metric_card,
    revenue_orders_chart,
    sortable_table,
)
from components.empty_state import empty_state
from components.forms import form_error
from components.loading import once_loaded
from components.seller_nav import seller_nav
from state.analytics import DashboardState
from storefront.layout import seller_page

PRESETS = [key for key in RANGES if key != "custom"]
PRODUCT_COLUMNS = [
    ("Product", "title", "title", "left"),
    ("Views", "views", "views", "right"),
    ("Added to cart", "add_to_cart", "add_to_cart", "right"),
    ("Sold", "units", "units", "right"),
    ("Downloads", "downloads", "downloads", "right"),
    ("Conversion", "conversion", "conversion_label", "right"),
    ("Rating", "rating", "rating_label", "right"),
    ("Revenue", "revenue", "revenue_label", "right"),
]


def source_columns(first: str) -> list[tuple[str, str, str, str]]:
    return [
        (first, "value", "value", "left"),
        ("Views", "views", "views", "right"),
        ("Orders", "orders", "orders", "right"),
        ("Revenue", "revenue", "revenue_label", "right"),
    ]


def range_picker() -> rx.Component:
    presets = rx.hstack(
        *[
            rx.button(
                RANGES[key],
                on_click=DashboardState.choose_range(key),
                id=f"range-{key}",
                size="2",
                variant=rx.cond(DashboardState.range_key == key, "solid", "soft"),
            )
            for key in PRESETS
        ],
        spacing="2",
        wrap="wrap",
    )
    custom = rx.form(
        rx.hstack(
            rx.el.label("From", html_for="range-from", font_size="0.85rem"),
            rx.input(type="date", name="from", id="range-from", default_value=DashboardState.custom_start, size="2"),
            rx.el.label("to", html_for="range-to", font_size="0.85rem"),
            rx.input(type="date", name="to", id="range-to", default_value=DashboardState.custom_end, size="2"),
            rx.button(
                "Apply",
                type="submit",
                size="2",
                variant=rx.cond(DashboardState.range_key == "custom", "solid", "soft"),
                id="range-apply",
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        on_submit=DashboardState.apply_custom_range,
        id="range-custom",
    )
    return rx.flex(presets, custom, gap="0.75rem", wrap="wrap", align="center", justify="between", width="100%")


def exports() -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.button(rx.icon("download", size=14), "Sales CSV", variant="outline", size="2"),
            href=routes.EXPORT_SALES_CSV,
            id="export-sales",
            is_external=True,
        ),
        rx.link(
            rx.button(rx.icon("download", size=14), "Customers CSV", variant="outline", size="2"),
            href=routes.EXPORT_CUSTOMERS_CSV,
            id="export-customers",
            is_external=True,
        ),
        spacing="2",
    )


def panel(title: str, *children: rx.Component, id: str, description: str = "") -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, as_="h2", size="4"),
            rx.cond(description != "", rx.text(description, size="1", color=theme.TEXT_MUTED)),
            *children,
            spacing="3",
            width="100%",
        ),
        id=id,
        size="2",
        width="100%",
        min_width="0",
    )


def empty_list(text: str) -> rx.Component:
    return rx.text(text, size="2", color=theme.TEXT_MUTED)


def product_cards() -> rx.Component:
    """On a phone the products table becomes one card per product: the whole name on its own
    line (a table column broke names mid-word), then each figure with its label."""

    def card(row) -> rx.Component:
        return rx.box(
            rx.text(row["title"], as_="p", weight="medium", size="2", data_testid="product-card-title"),
            rx.data_list.root(
                *[
                    rx.data_list.item(
                        rx.data_list.label(label, min_width="0"),
                        rx.data_list.value(row[shown]),
                        align="center",
                    )
                    for label, _, shown, _ in PRODUCT_COLUMNS[1:]
                ],
                orientation="horizontal",
                size="1",
                margin_top="0.5rem",
            ),
            padding_y="0.75rem",
            border_top=f"1px solid {theme.BORDER}",
            data_testid="product-figures-card",
        )

    return rx.vstack(
        rx.hstack(
            rx.el.label("Sort by", html_for="products-sort", style={"font_size": "0.875rem"}),
            rx.select.root(
                rx.select.trigger(id="products-sort"),
                rx.select.content(
                    *[rx.select.item(label, value=column) for label, column, _, _ in PRODUCT_COLUMNS],
                ),
                value=DashboardState.product_sort,
                on_change=DashboardState.sort_products_by,
                size="2",
            ),
            align="center",
            spacing="2",
        ),
        rx.box(rx.foreach(DashboardState.sorted_products, card), width="100%"),
        display=rx.breakpoints(initial="flex", md="none"),
        spacing="2",
        width="100%",
        id="products-cards",
    )


def sources_panel() -> rx.Component:
    def tab(value: str, rows, first: str, id: str, empty: str) -> rx.Component:
        return rx.tabs.content(
            rx.cond(
                rows.length() > 0,
                rx.box(
                    sortable_table(
                        rows=rows,
                        columns=source_columns(first),
                        current=DashboardState.source_sort,
                        descending=DashboardState.source_sort_descending,
                        on_sort=DashboardState.sort_sources,
                        id=id,
                    ),
                    overflow_x="auto",
                    width="100%",
                ),
                empty_list(empty),
            ),
            value=value,
            padding_top="0.75rem",
        )

    return panel(
        "Where buyers come from",
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Referrers", value="referrers", id="tab-referrers"),
                rx.tabs.trigger("Campaigns", value="campaigns", id="tab-campaigns"),
                rx.tabs.trigger("UTM sources", value="sources", id="tab-sources"),
                rx.tabs.trigger("Countries", value="countries", id="tab-countries"),
            ),
            tab(
                "referrers",
                DashboardState.referrers,
                "Site",
                "referrers-table",
                "No visits from other sites in this period.",
            ),
            tab(
                "campaigns",
                DashboardState.campaigns,
                "Campaign",
                "campaigns-table",
                "No visits with a utm_campaign tag in this period.",
            ),
            tab(
                "sources",
                DashboardState.utm_sources,
                "Source",
                "sources-table",
                "No visits with a utm_source tag in this period.",
            ),
            rx.tabs.content(
                rx.cond(
                    DashboardState.countries.length() > 0,
                    rx.vstack(
                        horizontal_bars(
                            DashboardState.country_chart,
                            category_key="country",
                            value_key="views",
                            name="Views by country",
                            id="countries-chart",
                        ),
                        sortable_table(
                            rows=DashboardState.countries,
                            columns=source_columns("Country"),
                            current=DashboardState.source_sort,
                            descending=DashboardState.source_sort_descending,
                            on_sort=DashboardState.sort_sources,
                            id="countries-table",
                        ),
                        width="100%",
                    ),
                    empty_list("No country is known for this period's visits and sales yet."),
                ),
                value="countries",
                padding_top="0.75rem",
            ),
            default_value="referrers",
            width="100%",
        ),
        id="sources-panel",
        description="Referring sites and UTM tags of the landing address; purchases by billing country.",
    )


def figures() -> rx.Component:
    return rx.vstack(
        rx.grid(
            rx.foreach(DashboardState.cards, metric_card),
            columns=rx.breakpoints(initial="2", md="3"),
            spacing="3",
            width="100%",
            id="cards",
        ),
        panel(
            "Revenue and orders",
            revenue_orders_chart(
                DashboardState.revenue_series,
                id="revenue-chart",
                summary=rx.text(
                    DashboardState.revenue_label,
                    " revenue from ",
                    DashboardState.orders_in_period,
                    rx.cond(DashboardState.orders_in_period == 1, " order · ", " orders · "),
                    DashboardState.period_label,
                    size="2",
                    color=theme.TEXT_MUTED,
                    id="revenue-chart-summary",
                ),
            ),
            id="revenue-panel",
            description="Revenue is sales net of tax, minus the platform commission and refunds, in "
            "your shop's currency. Days are UTC.",
        ),
        rx.grid(
            panel(
                "Conversion funnel",
                funnel_chart(DashboardState.funnel_data, id="funnel-chart"),
                funnel_table(DashboardState.funnel_data, id="funnel-table"),
                rx.text(
                    "Visitors per day who reached each step; a visitor who bought, or claimed something "
                    "free, reached every step before it. Conversion rate = items bought ÷ product page views.",
                    size="1",
                    color=theme.TEXT_MUTED,
                ),
                id="funnel-panel",
            ),
            panel(
                "Top products",
                rx.cond(
                    DashboardState.top_products_chart.length() > 0,
                    rx.vstack(
                        horizontal_bars(
                            DashboardState.top_products_chart,
                            category_key="title",
                            value_key="value",
                            name="Top products",
                            id="top-products-chart",
                        ),
                        rx.text(
                            rx.cond(
                                DashboardState.top_products_by_revenue,
                                "By revenue in this period.",
                                "By product page views: nothing sold in this period yet.",
                            ),
                            size="1",
                            color=theme.TEXT_MUTED,
                        ),
                        width="100%",
                    ),
                    empty_list("No product was viewed or sold in this period."),
                ),
                id="top-products-panel",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        panel(
            "Products",
            rx.cond(
                DashboardState.sorted_products.length() > 0,
                rx.fragment(
                    rx.box(
                        sortable_table(
                            rows=DashboardState.sorted_products,
                            columns=PRODUCT_COLUMNS,
                            current=DashboardState.product_sort,
                            descending=DashboardState.product_sort_descending,
                            on_sort=DashboardState.sort_products,
                            id="products-table",
                        ),
                        overflow_x="auto",
                        width="100%",
                        display=rx.breakpoints(initial="none", md="block"),
                    ),
                    product_cards(),
                ),
                empty_list("No product was viewed or sold in this period."),
            ),
            id="products-panel",
        ),
        sources_panel(),
        spacing="4",
        width="100%",
    )


def no_data_yet() -> rx.Component:
    return empty_state(
        "chart-column",
        "No visits or sales yet",
        "Once people view and buy your published products, your revenue, orders, conversion and "
        "where visitors come from show up here, live.",
        action=link_button("Go to your products", routes.SELLER, id="analytics-empty-action"),
        id="analytics-empty",
    )


@seller_page(
    routes.SELLER_ANALYTICS,
    title="Analytics",
    description="Your shop's revenue, orders, conversion and traffic.",
    on_load=DashboardState.load,
)
def seller_analytics() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading("Analytics", as_="h1", size="7"),
            exports(),
            justify="between",
            align="end",
            wrap="wrap",
            gap="0.75rem",
            width="100%",
        ),
        seller_nav(routes.SELLER_ANALYTICS),
        range_picker(),
        form_error(DashboardState.error, id="range-error"),
        once_loaded(DashboardState.loaded, rx.cond(DashboardState.has_any_data, figures(), no_data_yet())),
        spacing=theme.GAP_SECTION,
        width="100%",
        id="analytics",
    )
