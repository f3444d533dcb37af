"""The app's HTTP side as the web process serves it (webhooks, downloads, license API,
/healthz), with jobs run in-process after commit as in the embedded default, but
without the Reflex UI: `granian --interface asgi bench.checkout.server:app`.

The environment names the database (DATABASE_URL), SECRET_KEY and DATA_DIR.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.applications import Starlette

from commerce import wiring
from commerce.config import get_settings
from commerce.delivery.tasks import redeliver_pending
from commerce.jobs import configure_jobs, shutdown_jobs
from commerce.jobs.timers import start_timers
from commerce.licensing import activity
from storefront.api import routes

logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
wiring.configure()


@contextlib.asynccontextmanager
async def lifespan(app):
    configure_jobs(get_settings().redis_url)
    await asyncio.to_thread(redeliver_pending)
    timers = start_timers(wiring.TIMERS)
    # License checks' activity, written every few seconds (and once more on the way out).
    license_activity = asyncio.create_task(activity.periodic_flush())
    yield
    for timer in timers:
        timer.cancel()
    license_activity.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await license_activity
    await asyncio.to_thread(shutdown_jobs)


app = Starlette(routes=routes, lifespan=lifespan)
