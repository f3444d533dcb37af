"""Plain HTTP endpoints, served by the same backend as the Reflex app.

`storefront.storefront` passes `api` to `rx.App(api_transformer=...)`, which
mounts the Reflex backend under it: these routes are matched first.
"""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from commerce import payments, storage
from commerce.payments.connect import connect_provider
from storefront.api_access import access_routes
from storefront.api_downloads import download_routes
from storefront.api_exports import export_routes
from storefront.api_files import file_routes
from storefront.api_health import health_routes
from storefront.api_privacy import privacy_routes
from storefront.api_session import SessionRefreshMiddleware, session_routes
from storefront.api_sitemap import sitemap_routes
from storefront.api_uploads import upload_routes
from storefront.api_v1.app import PATH as API_V1_PATH
from storefront.api_v1.app import create_app as create_api_v1
from storefront.api_v1.license_checks import LicenseChecks
from storefront.api_view import view_routes
from storefront.api_webhooks import webhook_routes
from storefront.folder_pages import FolderPagesMiddleware
from storefront.home_head import HomeFirstCoverMiddleware
from storefront.library_head import LibraryFirstScreenMiddleware
from storefront.page_status import PageStatusMiddleware
from storefront.prebuilt_frontend import built_client_dir
from storefront.request_language import RequestLanguageMiddleware
from storefront.request_log import RequestObservabilityMiddleware
from storefront.search_head import SearchFirstScreenMiddleware
from storefront.security_headers import SecurityHeadersMiddleware, csp_routes
from storefront.static_cache import StaticCacheMiddleware
from storefront.visit_referrer import ReferrerMiddleware

# The seller REST API and the public license API: one FastAPI app, one OpenAPI document.
api_v1 = Mount(API_V1_PATH, app=create_api_v1())
# Starlette's mount pattern is `.*`, which stops at a newline: an id with an encoded line
# break (%0A) must still reach the API (and get its 404 problem), not fall through to the pages.
api_v1.path_regex = re.compile(api_v1.path_regex.pattern, re.DOTALL)

# The router tries routes in this order, one pattern each, until one matches: the probes and
# /api/v1 (license checks are the busiest route) first. No other route's path starts with
# /api/v1/, so where the mount stands changes no answer (tests/api/test_route_order.py).
routes: list[BaseRoute] = health_routes()
# License checks skip the API app's layers that do nothing for them (same answers and errors).
routes.append(LicenseChecks(api_v1.app, API_V1_PATH))
routes.append(api_v1)
# Other HTTP endpoints are appended here as route lists from their own modules
# (files, payment webhooks, buyers' downloads).
routes += file_routes(storage.blob_store)
routes += webhook_routes(payments.gateway, connect_provider)
routes += download_routes(storage.blob_store)
routes += view_routes(storage.blob_store)
routes += export_routes()
routes += privacy_routes(storage.blob_store)
routes += session_routes()
routes += access_routes()
routes += upload_routes(storage.blob_store)
routes += csp_routes()
routes += sitemap_routes()

api = Starlette(
    routes=routes,
    middleware=[
        # Outermost: every answer's metrics, log line and request id, with its final status.
        Middleware(RequestObservabilityMiddleware),
        # Messages and crawlers' heads in the visitor's language (commerce.i18n's current one).
        Middleware(RequestLanguageMiddleware),
        # Security headers and the CSP on every answer, pages (the frontend is mounted below) and API.
        Middleware(SecurityHeadersMiddleware),
        # The build's content-hashed scripts and styles are cached for good, not revalidated.
        Middleware(StaticCacheMiddleware),
        # Page loads rotate a session due for a new token (the cookie is HttpOnly: only HTTP sets it).
        Middleware(SessionRefreshMiddleware),
        # Page loads keep an outside Referer for the analytics state.
        Middleware(ReferrerMiddleware),
        # Unknown products, shops and categories answer 404 before any script runs; found
        # ones answer with their own title, meta tags and structured data.
        Middleware(PageStatusMiddleware, client_dir=built_client_dir),
        # The home page's largest paint, its first card's cover, fetched with the document and
        # painted into the card's placeholder before the scripts run.
        Middleware(HomeFirstCoverMiddleware),
        # The search page's first results, drawn in its document before the scripts run.
        Middleware(SearchFirstScreenMiddleware),
        # The buyer's library, its first rows drawn in its document (for the session's buyer).
        Middleware(LibraryFirstScreenMiddleware),
        # /library, /search?q=… and other folder pages of the build answered without a
        # redirect to their address with a trailing slash.
        Middleware(FolderPagesMiddleware, client_dir=built_client_dir),
    ],
)
