"""The Reflex app: its pages, the document head and the HTTP endpoints.

The Radix theme is registered in rxconfig.py (RadixThemesPlugin), Reflex's
non-deprecated place for it; its settings come from components.theme.
"""

import asyncio
import contextlib

import reflex as rx

from commerce import wiring
from commerce.config import get_settings
from commerce.delivery.tasks import redeliver_pending
from commerce.jobs import configure_jobs, shutdown_jobs
from commerce.jobs.timers import start_timers
from commerce.licensing import activity
from commerce.observability.start import start_observability
from components import cover, product_card, theme
from components import search as search_components
from storefront import cors, event_metrics, lazy_state, security_headers
from storefront.api import api
from storefront.layout import Page
from storefront.pages.account import account, account_deleted, confirm_email_change
from storefront.pages.admin.audit import admin_audit
from storefront.pages.admin.flags import admin_flags
from storefront.pages.admin.index import QUEUE_KEYS_SCRIPT, admin_home
from storefront.pages.admin.orders import admin_orders
from storefront.pages.admin.payouts import admin_payouts
from storefront.pages.admin.privacy import admin_privacy
from storefront.pages.admin.settings import admin_settings
from storefront.pages.admin.shops import admin_shops
from storefront.pages.admin.users import admin_users
from storefront.pages.cart import cart_page
from storefront.pages.category import category
from storefront.pages.home import home
from storefront.pages.library import library, library_product
from storefront.pages.login import login, second_factor
from storefront.pages.not_found import not_found
from storefront.pages.notifications import notifications
from storefront.pages.orders import order_history, order_page
from storefront.pages.password_reset import choose_password, request_reset
from storefront.pages.product import product
from storefront.pages.reader import reader
from storefront.pages.register import confirm_registration, register
from storefront.pages.search import search
from storefront.pages.seller.analytics import seller_analytics
from storefront.pages.seller.bundles import seller_bundles
from storefront.pages.seller.delivery import seller_delivery
from storefront.pages.seller.developers import seller_developers
from storefront.pages.seller.discounts import seller_discounts
from storefront.pages.seller.index import seller_home
from storefront.pages.seller.leaks import admin_leaks, seller_leaks
from storefront.pages.seller.payouts import seller_payouts
from storefront.pages.seller.product_edit import product_editor
from storefront.pages.seller.reviews import seller_reviews
from storefront.pages.seller.sales import seller_sales
from storefront.pages.seller.webhooks import seller_webhooks
from storefront.pages.shop import shop
from storefront.pages.testpay import testpay_connect_page, testpay_page
from storefront.prebuilt_frontend import mount_prebuilt_frontend

# Every page of the app, added below with app.add_page (see storefront/layout.py).
PAGES: tuple[Page, ...] = (
    home,
    search,
    category,
    shop,
    product,
    cart_page,
    order_page,
    order_history,
    testpay_page,
    testpay_connect_page,
    login,
    second_factor,
    register,
    confirm_registration,
    request_reset,
    choose_password,
    account,
    library,
    library_product,
    reader,
    notifications,
    seller_home,
    product_editor,
    seller_delivery,
    seller_analytics,
    seller_sales,
    seller_discounts,
    seller_bundles,
    seller_payouts,
    seller_reviews,
    seller_webhooks,
    seller_developers,
    seller_leaks,
    admin_leaks,
    admin_home,
    admin_users,
    admin_orders,
    admin_payouts,
    admin_shops,
    admin_settings,
    admin_flags,
    admin_audit,
    admin_privacy,
    account_deleted,
    confirm_email_change,
    not_found,
)

# Structured log lines (JSON in production) for requests, events, jobs and every logger
# of the app; Sentry when SENTRY_DSN is set. Reflex and granian keep their own handlers.
start_observability(get_settings())
# Reflex events and open sockets into /metrics and the log, through Reflex's trace points.
event_metrics.install()

# Adapters and the event subscribers (delivery, search, analytics), before any request.
wiring.configure()

# Production refuses laptop defaults (test gateway, SQLite, default secret) before serving.
get_settings().check_production_ready()

app = rx.App(
    head_components=[
        theme.global_style_tag(),
        cover.stylesheet(),
        product_card.stylesheet(),
        search_components.stylesheet(),
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
        rx.el.meta(name="theme-color", content=theme.PRIMARY),
    ],
    html_lang="en",
    # A backend-only production process (the Docker image) serves the frontend built at
    # image build time; then the site's own routes and middleware wrap everything.
    api_transformer=[mount_prebuilt_frontend(lambda: app.router), api],
)
# Reflex's CORS (any origin, with credentials) is replaced by the site's own policy.
cors.install(rx.App, app)
# Without Redis, a tab's substates are created as its pages use them, not all up front.
lazy_state.install(app)
# Inline scripts the pages render themselves, allowed by hash in the CSP.
security_headers.APP_SCRIPTS.append(QUEUE_KEYS_SCRIPT)
for page in PAGES:
    page.add_to(app)


@contextlib.asynccontextmanager
async def background_jobs():
    """Jobs run for as long as the app: in-process by default, or sent to Redis workers."""
    settings = get_settings()
    configure_jobs(settings.redis_url, broker_options=settings.job_broker_options)
    # Deliveries a crash interrupted (paid, but the grant job never finished) go again.
    await asyncio.to_thread(redeliver_pending)
    # Rollups, sweeps, purges and the payout schedule (`wiring.TIMERS`).
    timers = start_timers(wiring.TIMERS)
    # License checks' activity, written every few seconds (and once more on the way out):
    # each process's own buffer, so not a cluster-wide timer.
    license_activity = asyncio.create_task(activity.periodic_flush())
    yield
    for timer in timers:
        timer.cancel()
    license_activity.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await license_activity
    await asyncio.to_thread(shutdown_jobs)


app.register_lifespan_task(background_jobs)
