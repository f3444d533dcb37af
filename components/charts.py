"""Charts (Recharts through Reflex) and the dashboard's cards and sortable tables.

Every function takes vars and event handlers, never a state, so the same pieces
can show any figures.
"""

from __future__ import annotations

import reflex as rx

from components import theme
from components.i18n import bt

ListVar = rx.Var
SERIES_COLOR = theme.PRIMARY
SECOND_COLOR = theme.CTA
GRID_COLOR = "var(--gray-a5)"


def metric_card(card, *, id_prefix: str = "card") -> rx.Component:
    """One headline figure with its change against the previous period (`card` is a Card var)."""
    tone_color = rx.match(card.tone, ("good", rx.color("grass", 11)), ("bad", rx.color("red", 11)), theme.TEXT_MUTED)
    arrow = rx.match(
        card.direction,
        ("up", rx.icon("trending-up", size=14)),
        ("down", rx.icon("trending-down", size=14)),
        rx.icon("minus", size=14),
    )
    return rx.card(
        rx.vstack(
            rx.text(card.label, size="2", color=theme.TEXT_MUTED, weight="medium"),
            rx.text(
                card.value_label,
                size=rx.breakpoints(initial="5", sm="7"),
                weight="bold",
                id=id_prefix + "-" + card.key + "-value",
                class_name="metric-value",
            ),
            rx.hstack(
                arrow,
                rx.text(card.change_label, size="1"),
                rx.text(bt("vs previous period"), size="1", color=theme.TEXT_MUTED),
                spacing="1",
                align="center",
                color=tone_color,
                wrap="wrap",
            ),
            spacing="1",
        ),
        id=id_prefix + "-" + card.key,
        size="2",
        width="100%",
    )


def revenue_orders_chart(data: ListVar, *, id: str, summary: rx.Component) -> rx.Component:
    """Revenue (line, left axis) and orders (bars, right axis) over time."""
    return rx.vstack(
        rx.box(
            rx.recharts.composed_chart(
                rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=GRID_COLOR, vertical=False),
                rx.recharts.bar(
                    data_key="orders",
                    name="Orders",
                    y_axis_id="orders",
                    fill=SECOND_COLOR,
                    radius=[4, 4, 0, 0],
                    max_bar_size=28,
                    is_animation_active=False,
                ),
                rx.recharts.line(
                    data_key="revenue",
                    name="Revenue",
                    y_axis_id="revenue",
                    stroke=SERIES_COLOR,
                    stroke_width=2,
                    dot=False,
                    type_="monotone",
                    is_animation_active=False,
                ),
                rx.recharts.x_axis(data_key="label", tick_line=False, min_tick_gap=16),
                rx.recharts.y_axis(y_axis_id="revenue", tick_line=False, width=64),
                rx.recharts.y_axis(
                    y_axis_id="orders", orientation="right", allow_decimals=False, tick_line=False, width=40
                ),
                rx.recharts.graphing_tooltip(),
                rx.recharts.legend(),
                data=data,
                width="100%",
                height=300,
                margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
            ),
            width="100%",
            id=id,
            role="img",
            aria_label=bt("Revenue and orders over time"),
        ),
        summary,
        width="100%",
        spacing="2",
    )


def funnel_chart(data: ListVar, *, id: str) -> rx.Component:
    """Visitors who viewed → added to cart → started checkout → bought, as horizontal bars
    labelled with the count and its share of the first step (`figure`)."""
    return rx.box(
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=GRID_COLOR, horizontal=False),
            rx.recharts.bar(
                rx.recharts.label_list(data_key="figure", position="right"),
                data_key="count",
                name="Visitors' steps",
                fill=SERIES_COLOR,
                radius=[0, 4, 4, 0],
                is_animation_active=False,
            ),
            rx.recharts.x_axis(type_="number", allow_decimals=False, hide=True),
            rx.recharts.y_axis(data_key="label", type_="category", width=120, tick_line=False),
            rx.recharts.graphing_tooltip(),
            data=data,
            layout="vertical",
            width="100%",
            height=220,
            margin={"top": 8, "right": 96, "left": 8, "bottom": 8},
        ),
        width="100%",
        id=id,
        role="img",
        aria_label=bt("Conversion funnel"),
    )


def funnel_table(data: ListVar, *, id: str) -> rx.Component:
    """The funnel's figures as text: visitors per step, share of the first step and of the one before."""
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell(bt("Step")),
                rx.table.column_header_cell(bt("Visitors"), text_align="right"),
                rx.table.column_header_cell(bt("Of viewers"), text_align="right"),
                rx.table.column_header_cell(bt("Of step before"), text_align="right"),
            )
        ),
        rx.table.body(
            rx.foreach(
                data,
                lambda step: rx.table.row(
                    rx.table.row_header_cell(step["label"]),
                    rx.table.cell(step["count_label"], text_align="right"),
                    rx.table.cell(step["share"], text_align="right"),
                    rx.table.cell(step["step"], text_align="right"),
                ),
            )
        ),
        id=id,
        variant="surface",
        size="1",
        width="100%",
    )


def horizontal_bars(
    data: ListVar, *, category_key: str, value_key: str, name: str, id: str, height: int = 220
) -> rx.Component:
    return rx.box(
        rx.recharts.bar_chart(
            rx.recharts.bar(
                data_key=value_key, name=name, fill=SERIES_COLOR, radius=[0, 4, 4, 0], is_animation_active=False
            ),
            rx.recharts.x_axis(type_="number", hide=True),
            rx.recharts.y_axis(data_key=category_key, type_="category", width=140, tick_line=False),
            rx.recharts.graphing_tooltip(),
            data=data,
            layout="vertical",
            width="100%",
            height=height,
            margin={"top": 8, "right": 16, "left": 8, "bottom": 8},
        ),
        width="100%",
        id=id,
        role="img",
        aria_label=name,
    )


def sort_header(
    label: str, column: str, *, current: rx.Var, descending: rx.Var, on_sort, align: str = "left", id_prefix: str
) -> rx.Component:
    """A column header that sorts the table by `column`; pressed again, it reverses."""
    active = current == column
    return rx.table.column_header_cell(
        rx.button(
            label,
            rx.cond(active, rx.cond(descending, rx.icon("arrow-down", size=12), rx.icon("arrow-up", size=12))),
            variant="ghost",
            size="1",
            color_scheme="gray",
            on_click=on_sort(column),
            id=f"{id_prefix}-sort-{column}",
            aria_label=bt("Sort by {column}", column=label),
        ),
        aria_sort=rx.cond(active, rx.cond(descending, "descending", "ascending"), "none"),
        text_align=align,
    )


def sortable_table(
    *, rows: ListVar, columns: list[tuple[str, str, str, str]], current: rx.Var, descending: rx.Var, on_sort, id: str
) -> rx.Component:
    """`columns`: (label, sort column, key shown, alignment). Rows are dicts."""
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[
                    sort_header(
                        label,
                        column,
                        current=current,
                        descending=descending,
                        on_sort=on_sort,
                        align=align,
                        id_prefix=id,
                    )
                    for label, column, _, align in columns
                ]
            ),
        ),
        rx.table.body(
            rx.foreach(
                rows,
                lambda row: rx.table.row(
                    *[
                        rx.table.cell(row[shown], text_align=align, style={"overflow_wrap": "anywhere"})
                        for _, _, shown, align in columns
                    ]
                ),
            )
        ),
        id=id,
        variant="surface",
        size="1",
        width="100%",
    )
