import os

import reflex as rx

from components.theme import radix_theme

config = rx.Config(
    app_name="storefront",
    telemetry_enabled=False,
    # Reflex also reads REDIS_URL itself; with it, state lives in Redis so several
    # workers or replicas can serve the same users.
    redis_url=os.environ.get("REDIS_URL") or None,
    # The app does not use Reflex's database layer: commerce/db.py owns the engine.
    plugins=[rx.plugins.RadixThemesPlugin(theme=radix_theme())],
    # Reflex's sitemap lists only static routes from the build machine's deploy_url;
    # product pages are dynamic, so a sitemap belongs to an API route over the catalog.
    disable_plugins=[rx.plugins.SitemapPlugin],
    # The sticky badge covers the bottom-right of every page (a phone's product grid).
    show_built_with_reflex=False,
)
