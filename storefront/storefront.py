"""The Reflex app: pages, the document head and the HTTP endpoints.

The Radix theme is registered in rxconfig.py (RadixThemesPlugin), Reflex's
non-deprecated place for it; its settings come from components.theme.
"""

import asyncio
import contextlib

import reflex as rx

# Importing the page modules registers their pages (see storefront/layout.py).
import storefront.pages.account
import storefront.pages.admin.audit
import storefront.pages.admin.index
import storefront.pages.admin.orders
import storefront.pages.admin.payouts
import storefront.pages.admin.settings
import storefront.pages.admin.shops
import storefront.pages.admin.users
import storefront.pages.cart
import storefront.pages.category
import storefront.pages.home
import storefront.pages.library
import storefront.pages.login
import storefront.pages.not_found
import storefront.pages.notifications
import storefront.pages.orders
import storefront.pages.password_reset
import storefront.pages.product
import storefront.pages.register
import storefront.pages.search
import storefront.pages.seller.analytics
import storefront.pages.seller.bundles
import storefront.pages.seller.delivery
import storefront.pages.seller.discounts
import storefront.pages.seller.index
import storefront.pages.seller.payouts
import storefront.pages.seller.product_edit
import storefront.pages.seller.reviews
import storefront.pages.seller.sales
import storefront.pages.shop
import storefront.pages.testpay  # noqa: F401
from commerce import wiring
from commerce.analytics.tasks import periodic_rollups
from commerce.config import get_settings
from commerce.delivery.tasks import redeliver_pending
from commerce.jobs import configure_jobs, shutdown_jobs
from commerce.orders.tasks import periodic_rate_refresh
from components import theme
from storefront.api import api

# Adapters and the event subscribers (delivery, search, analytics), before any request.
wiring.configure()

# Production refuses laptop defaults (test gateway, SQLite, default secret) before serving.
get_settings().check_production_ready()

app = rx.App(
    head_components=[
        theme.global_style_tag(),
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
        rx.el.meta(name="theme-color", content=theme.PRIMARY),
    ],
    html_lang="en",
    api_transformer=api,
)


@contextlib.asynccontextmanager
async def background_jobs():
    """Jobs run for as long as the app: in-process by default, or sent to Redis workers."""
    configure_jobs(get_settings().redis_url)
    # Deliveries a crash interrupted (paid, but the grant job never finished) go again.
    await asyncio.to_thread(redeliver_pending)
    rollups = asyncio.create_task(periodic_rollups())
    rates = asyncio.create_task(periodic_rate_refresh())
    yield
    rollups.cancel()
    rates.cancel()
    await asyncio.to_thread(shutdown_jobs)


app.register_lifespan_task(background_jobs)
