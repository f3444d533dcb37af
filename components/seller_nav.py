"""The seller area's navigation: a row of links that wraps on a phone."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from components import theme
from components.i18n import bt

SELLER_SECTIONS = [
    (bo_N_("Products"), routes.SELLER, "package"),
    (bo_N_("Analytics"), routes.SELLER_ANALYTICS, "chart-column"),
    (bo_N_("Sales"), routes.SELLER_SALES, "receipt"),
    (bo_N_("Discount codes"), routes.SELLER_DISCOUNTS, "tag"),
    (bo_N_("Bundles"), routes.SELLER_BUNDLES, "boxes"),
    (bo_N_("Balance & payouts"), routes.SELLER_PAYOUTS, "wallet"),
    (bo_N_("Reviews"), routes.SELLER_REVIEWS, "star"),
    (bo_N_("Developers"), routes.SELLER_DEVELOPERS, "code"),
    (bo_N_("Webhooks"), routes.SELLER_WEBHOOKS, "webhook"),
    (bo_N_("Leak tracer"), routes.SELLER_LEAKS, "fingerprint"),
]


def seller_nav(current: str) -> rx.Component:
    """`current` is the route of the page showing it."""
    return rx.el.nav(
        rx.flex(
            *[
                rx.link(
                    rx.hstack(
                        rx.icon(icon, size=15), rx.text(bt(label), white_space="nowrap"), align="center", spacing="1"
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
        aria_label=bt("Seller studio"),
        id="seller-nav",
        width="100%",
    )
