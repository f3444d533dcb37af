"""GET /healthz (alive), /readyz (dependencies reachable) and /metrics (Prometheus text).

- `/healthz` answers 200 as long as the process serves HTTP: it touches nothing, so a
  database outage does not get every replica restarted (liveness).
- `/readyz` answers 200 when the database, Redis (when configured), the blob store and
  the search engine answer and the schema is at the code's migration head, else 503;
  the body names each check's result (`commerce.readiness`). For load balancers.
- `/metrics` answers Prometheus' text format to `Authorization: Bearer <METRICS_TOKEN>`
  (compared in constant time), 401 to anyone else. Without METRICS_TOKEN it answers 404,
  as if it did not exist: a deployment that never set a token exposes nothing.
"""

from __future__ import annotations

import hmac
import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from commerce import readiness, wiring
from commerce.config import get_settings
from commerce.jobs import record_queue_depths
from commerce.observability import metrics

log = logging.getLogger(__name__)
# Every queue a job of this app may wait in.
QUEUES = frozenset(job.queue for job in wiring.JOBS)


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "alive"})


async def readyz(request: Request) -> JSONResponse:
    result = await run_in_threadpool(readiness.check_readiness)
    if result.ready:
        return JSONResponse({"status": "ready", "checks": result.checks})
    return JSONResponse({"status": "not ready", "failed": result.failed, "checks": result.checks}, status_code=503)


def _bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _scrape(accept: str | None) -> tuple[bytes, str]:
    try:
        record_queue_depths(QUEUES)
    except Exception:  # Redis away: the other figures still matter (and /readyz says why)
        log.warning("could not read the job queues' depth", exc_info=True)
    return metrics.render(accept)


async def metrics_endpoint(request: Request) -> Response:
    expected = get_settings().metrics_token
    if not expected:
        return PlainTextResponse("Not Found", status_code=404)
    if not hmac.compare_digest(_bearer_token(request).encode(), expected.encode()):
        return PlainTextResponse("Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})
    body, content_type = await run_in_threadpool(_scrape, request.headers.get("accept"))
    return Response(body, headers={"content-type": content_type})


def health_routes() -> list[BaseRoute]:
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
