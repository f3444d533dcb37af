"""The seller area's navigation: a row of links that wraps on a phone."""

from __future__ import annotations

import reflex as rx

import routes
from components import theme

SELLER_SECTIONS = [
    ("Products", routes.SELLER, "package"),
    ("Analytics", routes.SELLER_ANALYTICS, "chart-column"),
    ("Sales", routes.SELLER_SALES, "receipt"),
    ("Discount codes", routes.SELLER_DISCOUNTS, "tag"),
    ("Bundles", routes.SELLER_BUNDLES, "boxes"),
    ("Balance & payouts", routes.SELLER_PAYOUTS, "wallet"),
    ("Reviews", routes.SELLER_REVIEWS, "star"),
    ("Developers", routes.SELLER_DEVELOPERS, "code"),
    ("Webhooks", routes.SELLER_WEBHOOKS, "webhook"),
    ("Leak tracer", routes.SELLER_LEAKS, "fingerprint"),
]


def seller_nav(current: str) -> rx.Component:
    """`current` is the route of the page showing it."""
    return rx.el.nav(
        rx.flex(
            *[
                rx.link(
                    rx.hstack(
                        rx.icon(icon, size=15), rx.text(label, white_space="nowrap"), align="center", spacing="1"
                    ),
                    href=href,
                    underline="none",
                    weight="medium",
                    padding="0.4rem 0.75rem",
                    border_radius=theme.RADIUS_PILL,
                    color=rx.color(theme.RADIX_ACCENT, 12) if href == current else "inherit",
                    background_color=rx.color(theme.RADIX_ACCENT, 4) if href == current else "transparent",
                    aria_current="page" if href == current else None,
                )
                for label, href, icon in SELLER_SECTIONS
            ],
            gap="0.25rem",
            wrap="wrap",
            width="100%",
        ),
        aria_label="Seller studio",
        id="seller-nav",
        width="100%",
    )
