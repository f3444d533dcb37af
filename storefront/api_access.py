"""The receipt's "Access your purchase" link, as plain HTTP:

    GET  /access/{token}          a small page that continues at once (a POST), or says why not
    POST /access/{token}          use the link: sign in (the session cookie) and go to the purchase
    POST /access/{token}/resend   email a fresh link to the order's address (used or expired links)

Using the link is a POST from our own page, so mail scanners that fetch every link do
not spend it, and another site cannot sign a visitor into someone else's account. The
rules (single use, one hour, the order's address, not after a refund, attempts counted)
are `orders.access`'s; the session is `accounts.sign_in_by_claim`'s, the same one a
password sign-in starts, and no other session is signed out.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

import routes
from commerce.accounts import SessionGrant
from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.delivery.access import AccessGranted, redeem_access_link
from commerce.errors import DomainError, RateLimited
from commerce.orders.access import AccessLinkRefused, Refusal, check_access_link, resend_access_link
from storefront.client_address import client_address

_HEADERS = {
    "Cache-Control": "no-store",
    # The token is in the address: it must not travel to another site as a referrer
    # (same-origin still lets the browser send this page's Origin with its POST).
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
}
_STATUS = {Refusal.INVALID: 404, Refusal.USED: 410, Refusal.EXPIRED: 410, Refusal.REFUNDED: 410}


def set_session_cookie(response: Response, grant: SessionGrant) -> None:
    """The browser's session, as the sign-in page would keep it (routes.SESSION_COOKIE)."""
    settings = get_settings()
    response.set_cookie(
        routes.SESSION_COOKIE,
        grant.token,
        max_age=settings.session_days * 24 * 60 * 60,
        path="/",
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
    )


def _page(title: str, body: str, *, status: int = 200) -> HTMLResponse:
    document = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{html.escape(title)} · Marketplace</title>
<style>
body{{font-family:system-ui,sans-serif;margin:0;padding:2rem 1rem;color:#0f172a;background:#f8fafc;line-height:1.5}}
main{{max-width:32rem;margin:0 auto;background:#fff;border:1px solid #e2e8f0;border-radius:12px;padding:1.5rem}}
h1{{font-size:1.4rem;margin:0 0 .75rem}}
button,.button{{font:inherit;font-weight:600;background:#1e40af;color:#fff;border:0;border-radius:8px;
padding:.7rem 1.2rem;cursor:pointer;text-decoration:none;display:inline-block;margin:.25rem .5rem .25rem 0}}
.secondary{{background:#fff;color:#1e40af;border:1px solid #1e40af}}
a{{color:#1e40af}}
</style></head>
<body><main>{body}</main></body></html>"""
    return HTMLResponse(document, status_code=status, headers=_HEADERS)


def _action(request: Request, suffix: str = "") -> str:
    return html.escape(request.url.path.rstrip("/") + suffix, quote=True)


def _same_site_post(request: Request) -> bool:
    """A POST from our own page (or a browser that says nothing): not another site's form."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    own = {f"{request.url.scheme}://{request.url.netloc}"}
    base = urlsplit(get_settings().base_url)
    own.add(f"{base.scheme}://{base.netloc}")
    return origin in own


def _refused(request: Request, error: DomainError) -> HTMLResponse:
    sign_in = f'<a class="button secondary" href="{html.escape(routes.login_url(routes.LIBRARY))}">Sign in</a>'
    resend = ""
    if isinstance(error, AccessLinkRefused) and error.may_resend:
        resend = (
            f'<form method="post" action="{_action(request, "/resend")}">'
            '<button type="submit" id="access-resend">Email me a new link</button></form>'
        )
    status = (
        _STATUS[error.reason]
        if isinstance(error, AccessLinkRefused)
        else 429
        if isinstance(error, RateLimited)
        else 403
    )
    body = (
        '<h1 id="access-title">This link cannot open your purchase</h1>'
        f'<p id="access-error">{html.escape(error.message)}</p>{resend}<p>{sign_in}</p>'
    )
    return _page("Access link refused", body, status=status)


def _check(token: str, client_id: str) -> str:
    with unit_of_work() as s:
        return check_access_link(s, token, client_id=client_id)


def _redeem(token: str, client_id: str) -> AccessGranted:
    with unit_of_work() as s:
        return redeem_access_link(s, token, client_id=client_id)


def _resend(token: str, client_id: str) -> str:
    with unit_of_work() as s:
        return resend_access_link(s, token, client_id=client_id)


async def show(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        reference = await run_in_threadpool(_check, token, client_address(request))
    except DomainError as error:
        return _refused(request, error)
    body = (
        '<h1 id="access-title">Opening your purchase…</h1>'
        f"<p>Order {html.escape(reference)}. You will be signed in and taken to your library.</p>"
        f'<form id="access-form" method="post" action="{_action(request)}">'
        '<button type="submit" id="access-continue">Open my purchase</button></form>'
        # One click from the email: continue at once (the button is there without JavaScript).
        '<script>document.getElementById("access-form").submit()</script>'
    )
    return _page("Access your purchase", body)


async def use(request: Request) -> Response:
    if not _same_site_post(request):
        return _page("Access link refused", "<h1>Open the link from your email instead.</h1>", status=403)
    token = request.path_params["token"]
    try:
        granted = await run_in_threadpool(_redeem, token, client_address(request))
    except DomainError as error:
        return _refused(request, error)
    response = RedirectResponse(routes.safe_next_path(granted.landing_path, routes.LIBRARY), status_code=303)
    for name, value in _HEADERS.items():
        response.headers[name] = value
    set_session_cookie(response, granted.session)
    return response


async def resend(request: Request) -> Response:
    if not _same_site_post(request):
        return _page("Access link refused", "<h1>Open the link from your email instead.</h1>", status=403)
    token = request.path_params["token"]
    try:
        address = await run_in_threadpool(_resend, token, client_address(request))
    except DomainError as error:
        return _refused(request, error)
    body = (
        '<h1 id="access-title">Check your inbox</h1>'
        f'<p id="access-sent">We sent a new link to {html.escape(address)}. It works once, within the hour.</p>'
    )
    return _page("New link sent", body)


def access_routes() -> list[Route]:
    base = routes.ACCESS
    return [
        Route(base + "/{token}", show, methods=["GET"]),
        Route(base + "/{token}", use, methods=["POST"]),
        Route(base + "/{token}/resend", resend, methods=["POST"]),
    ]
