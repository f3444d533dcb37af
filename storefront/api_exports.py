"""The seller's CSV exports as streamed HTTP downloads.

    GET /api/seller/exports/sales.csv
    GET /api/seller/exports/customers.csv
    GET /api/seller/exports/statement.csv   (the payouts page's earnings statement)

The browser's own session cookie says who asks (the same check the pages make);
the export service refuses anyone without a shop before the first byte. Rows
are produced batch by batch in a worker thread while the response streams.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

import routes
from commerce import accounts
from commerce.accounts import SessionGrant
from commerce.actor import Actor
from commerce.analytics import exports
from commerce.db import unit_of_work
from commerce.errors import PermissionDenied
from commerce.i18n import gettext
from commerce.kit.time import utcnow
from commerce.payouts import views as payouts
from storefront.session_cookie import set_session_cookie


def _resume(token: str) -> tuple[Actor, str, SessionGrant | None]:
    with unit_of_work() as s:
        grant = accounts.resume_session(s, token) if token else None
    if grant is None:
        return Actor.anonymous(), "", None
    user = grant.user
    return Actor(user_id=user.id, role=user.role, shop_id=user.shop_id), user.shop_slug or "", grant


def _keep_session(response: Response, token: str, grant: SessionGrant | None) -> Response:
    """A session due for refresh got a new token: hand it to the browser as the pages would,
    or its next use of the old one would look like a stolen token."""
    if grant is not None and grant.token != token:
        set_session_cookie(response, grant.token)
    return response


def _export(kind: str, build: Callable[..., Iterator[str]]):
    async def endpoint(request: Request) -> Response:
        token = request.cookies.get(routes.SESSION_COOKIE, "")
        actor, slug, grant = await run_in_threadpool(_resume, token)
        if not actor.is_signed_in:
            return PlainTextResponse(gettext("Sign in to download your shop's exports."), status_code=401)
        try:
            rows = await run_in_threadpool(build, unit_of_work, actor)
        except PermissionDenied as error:
            return _keep_session(PlainTextResponse(error.message, status_code=403), token, grant)
        filename = exports.export_filename(kind, slug, utcnow())
        return _keep_session(
            StreamingResponse(
                rows,
                media_type="text/csv; charset=utf-8",
                headers={
                    "Content-Disposition": f'attachment; filename="{filename}"',
                    "Cache-Control": "no-store",
                    "X-Content-Type-Options": "nosniff",
                },
            ),
            token,
            grant,
        )

    return endpoint


def export_routes() -> list[Route]:
    return [
        Route(routes.EXPORT_SALES_CSV, _export("sales", exports.sales_csv), methods=["GET"]),
        Route(routes.EXPORT_CUSTOMERS_CSV, _export("customers", exports.customers_csv), methods=["GET"]),
        Route(routes.EXPORT_STATEMENT_CSV, _export("statement", payouts.statement_csv), methods=["GET"]),
    ]
