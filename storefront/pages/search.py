"""The search results page: /search?q=…&category=…&tag=…&price=…&rating=…&sort=…&page=…

Phone first: results in one column, the filters in a drawer behind a button;
from the md breakpoint the filters sit in a sidebar.
"""

from __future__ import annotations

import reflex as rx

import routes
from components import theme
from components.empty_state import empty_state
from components.forms import banner
from components.i18n import t
from components.search import facet_panel, result_card
from state.search import SORT_OPTIONS, SearchState
from storefront.layout import shop_page


def _heading() -> rx.Component:
    return rx.vstack(
        rx.heading(
            rx.cond(SearchState.q, t("Results for “{query}”", query=SearchState.q), t("All products")),
            as_="h1",
            size=rx.breakpoints(initial="6", md="7"),
            id="search-heading",
        ),
        rx.cond(
            SearchState.loaded,
            rx.text(
                SearchState.total_label,
                color=theme.TEXT_MUTED,
                size="2",
                id="search-total",
            ),
            # Holds the count's line until the results come, so they do not jump down by it
            # (a layout shift of 0.095 on a phone, bench/lighthouse).
            rx.skeleton(rx.text("\u00a0", size="2"), width="6rem"),
        ),
        spacing="1",
    )


def _degraded_notice() -> rx.Component:
    return rx.cond(
        SearchState.degraded,
        banner(
            t(
                "Search is running in a simplified mode right now: these results match titles and "
                "summaries only, without typo tolerance or filters. Everything else works as usual."
            ),
            icon="triangle-alert",
            color="amber",
            id="search-degraded",
        ),
    )


def _sort_menu() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id="search-sort", aria_label=t("Sort results"), min_width="11rem"),
        rx.select.content(
            *[rx.select.item(o.label, value=o.value) for o in SORT_OPTIONS],
        ),
        value=SearchState.sort,
        on_change=SearchState.choose_sort,
        size="2",
    )


def _filters_button() -> rx.Component:
    return rx.button(
        rx.icon("sliders-horizontal", size=16),
        t("Filters"),
        on_click=SearchState.toggle_filters,
        id="search-filters-button",
        variant="outline",
        size="2",
        display=rx.breakpoints(initial="inline-flex", md="none"),
    )


def _panel() -> rx.Component:
    return facet_panel(SearchState.facets, has_filters=SearchState.has_filters, clear_url=SearchState.clear_filters_url)


def _filters_drawer() -> rx.Component:
    return rx.drawer.root(
        rx.drawer.overlay(z_index="40"),
        rx.drawer.portal(
            rx.drawer.content(
                rx.vstack(
                    rx.hstack(
                        rx.heading(t("Filters"), as_="h2", size="4"),
                        rx.drawer.close(
                            rx.icon_button(
                                rx.icon("x", size=18),
                                variant="ghost",
                                aria_label=t("Close filters"),
                                id="search-filters-close",
                            )
                        ),
                        justify="between",
                        width="100%",
                        align="center",
                    ),
                    _panel(),
                    spacing="4",
                    width="100%",
                ),
                id="search-filters-drawer",
                # vaul cancels the dialog's own focus handling: move the focus into the open
                # drawer (its close button), and back to the Filters button when it closes.
                on_open_auto_focus=rx.set_focus("search-filters-close"),
                on_close_auto_focus=rx.set_focus("search-filters-button"),
                padding="1.25rem",
                width="min(22rem, 88vw)",
                height="100%",
                overflow_y="auto",
                background_color="var(--color-panel-solid)",
                z_index="50",
                top="0",
                left="0",
                position="fixed",
            ),
        ),
        open=SearchState.filters_open,
        on_open_change=SearchState.set_filters_open,
        direction="left",
    )


def _pagination() -> rx.Component:
    return rx.cond(
        SearchState.total_pages > 1,
        rx.hstack(
            rx.cond(
                SearchState.previous_url, rx.link(t("Previous"), href=SearchState.previous_url, id="page-previous")
            ),
            rx.foreach(
                SearchState.pages,
                lambda p: rx.cond(
                    p.current,
                    rx.text(p.number, weight="bold", aria_current="page", padding_x="0.5rem"),
                    rx.link(p.number, href=p.url, padding_x="0.5rem"),
                ),
            ),
            rx.cond(SearchState.next_url, rx.link(t("Next"), href=SearchState.next_url, id="page-next")),
            spacing="3",
            justify="center",
            width="100%",
            id="search-pages",
            wrap="wrap",
        ),
    )


def _no_results() -> rx.Component:
    return rx.vstack(
        empty_state(
            "search-x",
            t("No products match"),
            t("Check the spelling, use fewer words, or try one of these."),
            id="search-empty",
        ),
        rx.flex(
            rx.foreach(
                SearchState.suggestions,
                lambda suggestion: rx.link(
                    rx.badge(suggestion.label, " (", suggestion.count, ")", size="2", variant="surface", radius="full"),
                    href=suggestion.url,
                    underline="none",
                ),
            ),
            id="search-suggestions",
            wrap="wrap",
            gap="0.5rem",
            justify="center",
        ),
        spacing="4",
        width="100%",
    )


def _results() -> rx.Component:
    return rx.cond(
        SearchState.loaded,
        rx.cond(
            SearchState.cards.length() > 0,
            rx.vstack(
                rx.vstack(rx.foreach(SearchState.cards, result_card), spacing="3", width="100%", id="search-results"),
                _pagination(),
                spacing="5",
                width="100%",
            ),
            _no_results(),
        ),
        rx.vstack(*[rx.skeleton(height="7rem", width="100%") for _ in range(4)], width="100%"),
    )


@shop_page(
    routes.SEARCH,
    title=t("Search"),
    description=t("Search ebooks, templates, software, courses and more from independent creators."),
    on_load=SearchState.load,
)
def search() -> rx.Component:
    sidebar = rx.box(
        _panel(),
        display=rx.breakpoints(initial="none", md="block"),
        width="15rem",
        flex_shrink="0",
        id="search-sidebar",
    )
    return rx.vstack(
        _heading(),
        _degraded_notice(),
        rx.hstack(_filters_button(), rx.spacer(), _sort_menu(), width="100%", align="center"),
        rx.hstack(sidebar, rx.box(_results(), flex="1", min_width="0"), spacing="6", align="start", width="100%"),
        _filters_drawer(),
        spacing="4",
        width="100%",
    )
