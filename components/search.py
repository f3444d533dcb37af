"""Search pieces: highlighted text, the as-you-type box, facet filters, result cards.

Highlights arrive as parts ({text, marked}); marked parts render as <mark>
elements around plain text, so no HTML from a product ever reaches the page.
Components receive vars and event handlers, never a state.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from components import theme
from components.buttons import card_link
from components.cover import cover_box
from components.i18n import t

TextLike = str | rx.Var
Handler = Any  # an event handler or EventSpec


# Results are drawn from plain elements with Radix's text classes and these rules rather than
# from Radix components with style props (five React components each where one will do): a
# page of results, and the as-you-type list at every keystroke, renders in a fraction of the
# time (components.product_card, the same for product cards).
STYLESHEET = f"""
.search-mark {{
  background-color: var(--amber-4);
  color: inherit;
  border-radius: 3px;
  padding-inline: 1px;
}}
.quick-result.rt-Link {{ color: inherit; display: block; padding: 0.5rem 0.75rem; }}
.quick-result.rt-Link:hover {{ background-color: var(--{theme.RADIX_GRAY}-3); }}
.quick-result .quick-result-cover {{
  width: 44px;
  height: 33px;
  object-fit: cover;
  border-radius: 6px;
  flex-shrink: 0;
}}
.quick-result div.quick-result-cover {{ background-color: var(--{theme.RADIX_ACCENT}-3); }}
.quick-result .quick-result-text, .search-result .search-result-text {{ min-width: 0; }}
.quick-result .quick-result-meta, .search-result .search-result-muted {{ color: var(--{theme.RADIX_GRAY}-11); }}
.search-result.rt-Link {{
  color: inherit;
  display: block;
  padding: 0.75rem;
  border: 1px solid var(--{theme.RADIX_GRAY}-6);
  border-radius: {theme.RADIUS_CARD};
  background-color: {theme.CARD_BACKGROUND};
}}
.search-result.rt-Link:hover {{ box-shadow: 0 6px 20px rgba(15, 23, 42, 0.1); }}
.search-result .search-result-row {{ width: 100%; }}
.search-result .search-result-cover {{
  overflow: hidden;
  width: 96px;
  aspect-ratio: 4 / 3;
  flex-shrink: 0;
  border-radius: {theme.RADIUS_CONTROL};
}}
@media (min-width: 48em) {{ .search-result .search-result-cover {{ width: 160px; }} }}
.search-result .search-result-category {{ text-transform: uppercase; letter-spacing: 0.04em; }}
.search-result .result-summary {{
  display: -webkit-box;
  -webkit-line-clamp: 2;
  -webkit-box-orient: vertical;
  overflow: hidden;
}}
.search-result .price {{ color: var(--{theme.RADIX_ACCENT}-12); }}
"""


def stylesheet() -> rx.Component:
    """The results' rules, for the document head."""
    return rx.el.style(STYLESHEET)


def highlighted(parts: rx.Var) -> rx.Component:
    return rx.foreach(
        parts,
        lambda part: rx.cond(
            part.marked,
            rx.el.mark(part.text, class_name="search-mark"),
            rx.el.span(part.text, class_name="rt-Text"),
        ),
    )


def quick_search_box(
    *,
    text: rx.Var,
    results: rx.Var,
    is_open: rx.Var,
    on_type: Handler,
    on_submit: Handler,
    on_blur: Handler,
    on_focus: Handler,
    on_pick: Handler,
    see_all_url: rx.Var,
    reset_key: rx.Var | int = 0,
) -> rx.Component:
    """The navbar's search: debounced input, a dropdown of matches, Enter for all results.

    `text` is what the box shows when a page opens (a plain "" on every page but
    the results page); typing stays in the browser until the debounce sends it.
    A new `reset_key` (a counter bumped when a suggestion is picked) starts the box
    again from `text`, also between two pages of the same kind (one product page to
    another); it stays put while a page hydrates, so early typing is kept."""
    field = rx.input(
        rx.input.slot(rx.icon("search", size=16)),
        id="navbar-search",
        key=reset_key,
        name="q",
        type="search",
        value=text,
        on_change=on_type,
        debounce_timeout=250,
        on_blur=on_blur,
        on_focus=on_focus,
        placeholder=t("Search products"),
        aria_label=t("Search products"),
        auto_complete="off",
        size="3",
        width="100%",
        radius="full",
    )
    item = lambda card: card_link(  # noqa: E731
        rx.el.div(
            rx.cond(
                card.cover_url,
                rx.el.img(src=card.cover_url, alt="", class_name="quick-result-cover"),
                rx.el.div(class_name="quick-result-cover"),
            ),
            rx.el.div(
                rx.el.p(
                    highlighted(card.title_parts),
                    class_name="rt-Text rt-r-size-2 rt-r-weight-medium quick-result-title",
                ),
                rx.el.p(card.shop_name, " · ", card.price_label, class_name="rt-Text rt-r-size-1 quick-result-meta"),
                class_name=f"{theme.STACK_COLUMN} rt-r-gap-0 quick-result-text",
            ),
            class_name="rt-Flex rt-r-fd-row rt-r-ai-center rt-r-gap-3",
        ),
        href=card.url,
        on_click=on_pick,
        class_name="quick-result",
    )
    dropdown = rx.box(
        rx.cond(
            results.length() > 0,
            rx.fragment(
                rx.foreach(results, item),
                rx.link(
                    t("See all results"),
                    href=see_all_url,
                    on_click=on_pick,
                    id="quick-see-all",
                    display="block",
                    padding="0.5rem 0.75rem",
                    size="2",
                    weight="medium",
                    border_top=f"1px solid {theme.BORDER}",
                ),
            ),
            rx.text(
                t("No matches yet. Press Enter to search everything."),
                size="2",
                color=theme.TEXT_MUTED,
                padding="0.75rem",
            ),
        ),
        id="quick-results",
        role="listbox",
        position="absolute",
        top="calc(100% + 6px)",
        left="0",
        right="0",
        z_index="20",
        max_height="70vh",
        overflow_y="auto",
        border=f"1px solid {theme.BORDER}",
        border_radius=theme.RADIUS_CARD,
        background_color=theme.CARD_BACKGROUND,
        box_shadow="0 12px 32px rgba(15, 23, 42, 0.18)",
    )
    return rx.form(
        rx.box(field, rx.cond(is_open, dropdown), position="relative", width="100%"),
        on_submit=on_submit,
        role="search",
        aria_label=t("Products"),
        width="100%",
    )


def facet_option(facet: rx.Var, opt: rx.Var) -> rx.Component:
    """One filter value: a real checkbox in its label (Space toggles it, a screen reader says
    "checkbox, checked"); ticking or unticking it opens the results for the option's address.
    A checkbox inside a link would be two controls in one, which assistive technology cannot use."""
    return rx.el.label(
        rx.el.input(
            type="checkbox",
            checked=opt.selected,
            on_change=rx.redirect(opt.url),
            style={"accent_color": rx.color(theme.RADIX_ACCENT, 9), "width": "1rem", "height": "1rem", "margin": "0"},
        ),
        rx.text(opt.label, as_="span", size="2", flex_grow="1"),
        rx.badge(opt.count, variant="soft", color_scheme="gray", class_name="facet-count"),
        class_name="facet-option",
        custom_attrs={
            "data-facet": facet.name,
            "data-value": opt.value,
            "data-selected": rx.cond(opt.selected, "true", "false"),
        },
        style={
            "display": "flex",
            "align_items": "center",
            "gap": "0.5rem",
            "padding": "0.25rem 0",
            "cursor": "pointer",
        },
    )


def facet_group(facet: rx.Var) -> rx.Component:
    return rx.cond(
        facet.options.length() > 0,
        rx.el.fieldset(
            rx.el.legend(facet.title, font_size="0.875rem", font_weight="bold", padding="0", margin_bottom="0.25rem"),
            rx.foreach(facet.options, lambda opt: facet_option(facet, opt)),
            style={"border": "none", "margin": "0", "padding": "0", "width": "100%", "min_width": "0"},
            custom_attrs={"data-facet-group": facet.name},
        ),
    )


def facet_panel(facets: rx.Var, *, has_filters: rx.Var, clear_url: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.cond(has_filters, rx.link(t("Clear filters"), href=clear_url, size="2", id="clear-filters")),
        rx.foreach(facets, facet_group),
        spacing="4",
        width="100%",
    )


def result_card(card: rx.Var) -> rx.Component:
    return card_link(
        rx.el.div(
            cover_box(card.cover_url, alt=card.title, loading="lazy", icon_size=28, class_name="search-result-cover"),
            rx.el.div(
                rx.cond(
                    card.category_name,
                    rx.el.p(
                        card.category_name,
                        class_name="rt-Text rt-r-size-1 search-result-muted search-result-category",
                    ),
                ),
                rx.el.div(
                    highlighted(card.title_parts), class_name="rt-Text rt-r-size-3 rt-r-weight-medium result-title"
                ),
                rx.el.p(
                    highlighted(card.summary_parts),
                    class_name="rt-Text rt-r-size-2 search-result-muted result-summary",
                ),
                rx.el.div(
                    rx.el.p(card.shop_name, class_name="rt-Text rt-r-size-2 search-result-muted"),
                    rx.el.p(card.price_label, class_name="rt-Text rt-r-size-2 rt-r-weight-bold price"),
                    class_name="rt-Flex rt-r-fd-row rt-r-ai-center rt-r-gap-3",
                ),
                class_name=f"{theme.STACK_COLUMN} rt-r-gap-1 search-result-text",
            ),
            class_name="rt-Flex rt-r-fd-row rt-r-ai-start rt-r-gap-3 search-result-row",
        ),
        href=card.url,
        class_name="search-result",
        custom_attrs={"data-testid": "search-result"},
    )
