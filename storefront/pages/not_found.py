"""The page for every address that does not exist."""

from __future__ import annotations

import reflex as rx

import routes
from components.empty_state import missing_state
from components.i18n import t
from storefront.layout import shop_page


@shop_page(
    routes.NOT_FOUND,
    title=t("Page not found"),
    description=t("This page does not exist."),
)
def not_found() -> rx.Component:
    return missing_state(
        "map-pin-off",
        "We could not find that page",
        t("The address may be mistyped, or the page may have moved or been removed."),
        id="not-found",
    )
