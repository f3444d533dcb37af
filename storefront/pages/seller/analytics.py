"""The seller dashboard: headline cards, revenue and orders over time, the funnel,
top products and where buyers come from. It updates live when a sale lands."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.analytics.dashboard import RANGES
from commerce.i18n import bo_N_
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
from components.i18n import bt
from components.loading import once_loaded
from components.seller_nav import seller_nav
from state.analytics import DashboardState
from storefront.layout import seller_page

PRESETS = [key for key in RANGES if key != "custom"]
PRODUCT_COLUMNS = [
    (bt("Product"), "title", "title", "left"),
    (bt("Views"), "views", "views", "right"),
    (bt("Added to cart"), "add_to_cart", "add_to_cart", "right"),
    (bt("Sold"), "units", "units", "right"),
    (bt("Downloads"), "downloads", "downloads", "right"),
    (bt("Conversion"), "conversion", "conversion_label", "right"),
    (bt("Rating"), "rating", "rating_label", "right"),
    (bt("Revenue"), "revenue", "revenue_label", "right"),
]


def source_columns(first: rx.Var) -> list[tuple[rx.Var, str, str, str]]:
    return [
        (first, "value", "value", "left"),
        (bt("Views"), "views", "views", "right"),
        (bt("Orders"), "orders", "orders", "right"),
        (bt("Revenue"), "revenue", "revenue_label", "right"),
    ]


def range_picker() -> rx.Component:
    presets = rx.hstack(
        *[
            rx.button(
                bt(RANGES[key]),
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
            rx.el.label(bt("From"), html_for="range-from", font_size="0.85rem"),
            rx.input(type="date", name="from", id="range-from", default_value=DashboardState.custom_start, size="2"),
            rx.el.label(bt("to"), html_for="range-to", font_size="0.85rem"),
            rx.input(type="date", name="to", id="range-to", default_value=DashboardState.custom_end, size="2"),
            rx.button(
                bt("Apply"),
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
            rx.button(rx.icon("download", size=14), bt("Sales CSV"), variant="outline", size="2"),
            href=routes.EXPORT_SALES_CSV,
            id="export-sales",
            is_external=True,
        ),
        rx.link(
            rx.button(rx.icon("download", size=14), bt("Customers CSV"), variant="outline", size="2"),
            href=routes.EXPORT_CUSTOMERS_CSV,
            id="export-customers",
            is_external=True,
        ),
        spacing="2",
    )


def panel(title: rx.Var, *children: rx.Component, id: str, description: rx.Var | str = "") -> rx.Component:
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


def empty_list(text: rx.Var) -> rx.Component:
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
            rx.el.label(bt("Sort by"), html_for="products-sort", style={"font_size": "0.875rem"}),
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
    def tab(value: str, rows, first: rx.Var, id: str, empty: rx.Var) -> rx.Component:
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
        bt("Where buyers come from"),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger(bt("Referrers"), value="referrers", id="tab-referrers"),
                rx.tabs.trigger(bt("Campaigns"), value="campaigns", id="tab-campaigns"),
                rx.tabs.trigger(bt("UTM sources"), value="sources", id="tab-sources"),
                rx.tabs.trigger(bt("Countries"), value="countries", id="tab-countries"),
            ),
            tab(
                "referrers",
                DashboardState.referrers,
                bt("Site"),
                "referrers-table",
                bt("No visits from other sites in this period."),
            ),
            tab(
                "campaigns",
                DashboardState.campaigns,
                bt("Campaign"),
                "campaigns-table",
                bt("No visits with a utm_campaign tag in this period."),
            ),
            tab(
                "sources",
                DashboardState.utm_sources,
                bt("Source"),
                "sources-table",
                bt("No visits with a utm_source tag in this period."),
            ),
            rx.tabs.content(
                rx.cond(
                    DashboardState.countries.length() > 0,
                    rx.vstack(
                        horizontal_bars(
                            DashboardState.country_chart,
                            category_key="country",
                            value_key="views",
                            name=bt("Views by country"),
                            id="countries-chart",
                        ),
                        sortable_table(
                            rows=DashboardState.countries,
                            columns=source_columns(bt("Country")),
                            current=DashboardState.source_sort,
                            descending=DashboardState.source_sort_descending,
                            on_sort=DashboardState.sort_sources,
                            id="countries-table",
                        ),
                        width="100%",
                    ),
                    empty_list(bt("No country is known for this period's visits and sales yet.")),
                ),
                value="countries",
                padding_top="0.75rem",
            ),
            default_value="referrers",
            width="100%",
        ),
        id="sources-panel",
        description=bt("Referring sites and UTM tags of the landing address; purchases by billing country."),
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
            bt("Revenue and orders"),
            revenue_orders_chart(
                DashboardState.revenue_series,
                id="revenue-chart",
                summary=rx.text(
                    DashboardState.revenue_summary,
                    size="2",
                    color=theme.TEXT_MUTED,
                    id="revenue-chart-summary",
                ),
            ),
            id="revenue-panel",
            description=bt(
                "Revenue is sales net of tax, minus the platform commission and refunds, in "
                "your shop's currency. Days are UTC."
            ),
        ),
        rx.grid(
            panel(
                bt("Conversion funnel"),
                funnel_chart(DashboardState.funnel_data, id="funnel-chart"),
                funnel_table(DashboardState.funnel_data, id="funnel-table"),
                rx.text(
                    bt(
                        "Visitors per day who reached each step; a visitor who bought, or claimed something "
                        "free, reached every step before it. Conversion rate = items bought ÷ product page views."
                    ),
                    size="1",
                    color=theme.TEXT_MUTED,
                ),
                id="funnel-panel",
            ),
            panel(
                bt("Top products"),
                rx.cond(
                    DashboardState.top_products_chart.length() > 0,
                    rx.vstack(
                        horizontal_bars(
                            DashboardState.top_products_chart,
                            category_key="title",
                            value_key="value",
                            name=bt("Top products"),
                            id="top-products-chart",
                        ),
                        rx.text(
                            rx.cond(
                                DashboardState.top_products_by_revenue,
                                bt("By revenue in this period."),
                                bt("By product page views: nothing sold in this period yet."),
                            ),
                            size="1",
                            color=theme.TEXT_MUTED,
                        ),
                        width="100%",
                    ),
                    empty_list(bt("No product was viewed or sold in this period.")),
                ),
                id="top-products-panel",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        panel(
            bt("Products"),
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
                empty_list(bt("No product was viewed or sold in this period.")),
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
        bt("No visits or sales yet"),
        bt(
            "Once people view and buy your published products, your revenue, orders, conversion and "
            "where visitors come from show up here, live."
        ),
        action=link_button(bt("Go to your products"), routes.SELLER, id="analytics-empty-action"),
        id="analytics-empty",
    )


@seller_page(
    routes.SELLER_ANALYTICS,
    title=bo_N_("Analytics"),
    description=bo_N_("Your shop's revenue, orders, conversion and traffic."),
    on_load=DashboardState.load,
)
def seller_analytics() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading(bt("Analytics"), as_="h1", size="7"),
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
