"""POST /api/webhooks/{provider}: payment events from Stripe or the test gateway;
POST /api/webhooks/{provider}/connect: their Connect events (payout accounts, bank payouts).

Answers 400 for a missing signature or an unreadable body, 401 for a bad
signature, 404 for a provider this deployment does not use, and 200 once the
event is recorded (and processed, in the same short transaction).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from commerce.observability import metrics
from commerce.orders.webhooks import receive
from commerce.payments import PaymentGateway, WebhookError
from commerce.payments.connect import ConnectProvider
from commerce.payments.connect import connect_provider as payout_provider
from commerce.payouts import webhooks as connect_webhooks
from storefront.transaction_threads import PAYMENT_EVENTS

log = logging.getLogger(__name__)
MAX_WEBHOOK_BYTES = 256 * 1024  # Stripe events are a few kB; refuse anything absurd


def _count(kind: str, provider: str, outcome: str) -> None:
    """marketplace_webhooks_received_total; the provider is ours (a path naming another is "unknown")."""
    metrics.WEBHOOKS_RECEIVED.labels(kind, provider, outcome).inc()


def _settled(outcome: str) -> str:
    return "duplicate" if outcome == "duplicate" else "processed"


def webhook_routes(
    gateway: Callable[[], PaymentGateway], connect_provider: Callable[[], ConnectProvider] = payout_provider
) -> list[BaseRoute]:
    async def payment_webhook(request: Request) -> JSONResponse:
        current = gateway()
        if request.path_params["provider"] != current.name:
            _count("payments", "unknown", "unknown_provider")
            return JSONResponse({"error": "unknown payment provider"}, status_code=404)
        payload = await request.body()
        if len(payload) > MAX_WEBHOOK_BYTES:
            _count("payments", current.name, "too_large")
            return JSONResponse({"error": "payload too large"}, status_code=413)
        try:
            outcome = await PAYMENT_EVENTS.run(receive, current, payload, request.headers)
        except WebhookError as exc:
            _count("payments", current.name, "refused")
            log.warning("refused a %s webhook: %s", current.name, exc)
            return JSONResponse({"error": str(exc)}, status_code=exc.status_code)
        except Exception:
            _count("payments", current.name, "error")
            raise
        _count("payments", current.name, _settled(outcome))
        return JSONResponse({"received": True, "outcome": outcome})

    async def connect_webhook(request: Request) -> JSONResponse:
        current = connect_provider()
        if request.path_params["provider"] != current.name:
            _count("connect", "unknown", "unknown_provider")
            return JSONResponse({"error": "unknown payout provider"}, status_code=404)
        payload = await request.body()
        if len(payload) > MAX_WEBHOOK_BYTES:
            _count("connect", current.name, "too_large")
            return JSONResponse({"error": "payload too large"}, status_code=413)
        try:
            outcome = await PAYMENT_EVENTS.run(connect_webhooks.receive, current, payload, request.headers)
        except WebhookError as exc:
            _count("connect", current.name, "refused")
            log.warning("refused a %s Connect webhook: %s", current.name, exc)
            return JSONResponse({"error": str(exc)}, status_code=exc.status_code)
        except Exception:
            _count("connect", current.name, "error")
            raise
        _count("connect", current.name, _settled(outcome))
        return JSONResponse({"received": True, "outcome": outcome})

    return [
        Route("/api/webhooks/{provider}", payment_webhook, methods=["POST"]),
        Route("/api/webhooks/{provider}/connect", connect_webhook, methods=["POST"]),
    ]
