"""The page for every address that does not exist."""

from __future__ import annotations

import reflex as rx

import routes
from components.buttons import link_button
from components.empty_state import empty_state
from storefront.layout import shop_page


@shop_page(
    routes.NOT_FOUND,
    title="Page not found",
    description="This page does not exist.",
)
def not_found() -> rx.Component:
    return empty_state(
        "map-pin-off",
        "We could not find that page",
        "The address may be mistyped, or the page may have moved or been removed.",
        action=link_button("Back to the shop", routes.HOME, id="not-found-home"),
        id="not-found",
    )
