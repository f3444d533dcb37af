"""The site's whole HTTP stack as production serves it, minus the Reflex pages and socket:
`storefront.api.api` (the site's middleware, the routes, the /api/v1 FastAPI app) inside a
top-level app, each layer with the site's CORS policy as Reflex adds it (`App._add_cors`,
replaced by `storefront.cors.install`), and logs as production writes them (JSON lines, one
per request, to stdout). `granian --interface asgi bench.license_api.site_server:app`.

bench/checkout/server.py serves the routes alone (no middleware); this one charges a request
everything the site's own layers cost it.
"""

from __future__ import annotations

import os

os.environ.setdefault("LOG_FORMAT", "json")

from starlette.applications import Starlette  # noqa: E402
from starlette.routing import Mount  # noqa: E402

from bench.checkout.server import lifespan  # noqa: E402
from commerce.config import get_settings  # noqa: E402
from commerce.observability.start import start_observability  # noqa: E402
from storefront.api import api  # noqa: E402
from storefront.cors import SiteCORSMiddleware  # noqa: E402

start_observability(get_settings())
api.add_middleware(SiteCORSMiddleware)
app = Starlette(routes=[Mount("", api)], lifespan=lifespan)
app.add_middleware(SiteCORSMiddleware)
