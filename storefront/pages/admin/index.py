"""The admin console's front page."""

from __future__ import annotations

import reflex as rx

from components import theme
from components.empty_state import empty_state
from storefront import routes
from storefront.layout import admin_page


@admin_page(
    routes.ADMIN,
    title="Admin console",
    description="Moderate products and manage the marketplace.",
)
def admin_home() -> rx.Component:
    return rx.vstack(
        rx.heading("Admin console", as_="h1", size="7"),
        rx.link("Payouts report", href=routes.ADMIN_PAYOUTS, id="admin-payouts-link", weight="medium"),
        empty_state(
            "shield-check",
            "Nothing to review",
            "Products waiting for moderation and reports from buyers will be listed here.",
            id="admin-empty",
        ),
        spacing=theme.GAP_SECTION,
        width="100%",
    )
