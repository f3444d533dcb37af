import os

import reflex as rx

from components.theme import radix_theme
from storefront.chunks import ChunkGroups

REDIS_URL = os.environ.get("REDIS_URL") or None

config = rx.Config(
    app_name="storefront",
    telemetry_enabled=False,
    # Reflex also reads REDIS_URL itself; with it, state lives in Redis so several
    # workers or replicas can serve the same users.
    redis_url=REDIS_URL,
    # Without Redis, Reflex runs one backend worker, so each tab's state can live in that
    # process's memory: no pickle files per client and no folder rescanned every two seconds
    # (the disk manager's way), and memory stays bounded because idle states expire. The app
    # swaps in a subclass creating each tab's substates on first use (storefront/lazy_state.py).
    **({} if REDIS_URL else {"state_manager_mode": rx.constants.StateManagerMode.MEMORY}),
    # A tab's state is dropped after this long without an event (memory and Redis alike);
    # a tab coming back later hydrates afresh (its session cookie signs it in again).
    redis_token_expiration=int(os.environ.get("STATE_IDLE_SECONDS") or 3600),
    # The app does not use Reflex's database layer: commerce/db.py owns the engine.
    # ChunkGroups: one JavaScript file per library instead of dozens (storefront/chunks.py).
    plugins=[rx.plugins.RadixThemesPlugin(theme=radix_theme()), ChunkGroups()],
    # Reflex's sitemap lists only static routes from the build machine's deploy_url;
    # product pages are dynamic, so a sitemap belongs to an API route over the catalog.
    disable_plugins=[rx.plugins.SitemapPlugin],
    # The sticky badge covers the bottom-right of every page (a phone's product grid).
    show_built_with_reflex=False,
    # Brotli copies of the build's scripts, styles and pages, served to browsers that take
    # them (all current ones): about a fifth fewer bytes than gzip before the first paint.
    frontend_compression_formats=["brotli", "gzip"],
)
