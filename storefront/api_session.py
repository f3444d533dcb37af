"""The session cookie's HTTP routes: the only places it is set.

    POST /api/session/login     the sign-in form posts here (email, password, next): the
        session starts and its token is set as an HttpOnly cookie, then the browser goes
        on to `next` (a path on this site); a refusal goes back to the sign-in page with a
        reason code it shows.
    POST /api/session/welcome   the sign-up link's page posts its token here: the account
        is created and signed in the same way.
    POST /api/session/second-factor   for an account with a second factor, the password
        leaves a pending sign-in (its token in the HttpOnly `mp_2fa` cookie, ten minutes);
        the second-factor page posts the code from the authenticator app or a recovery code
        here, and only then is the session cookie set.
    POST /api/session/passkey-options?purpose=…   a WebAuthn ceremony's options (JSON) for
        the passkey button (components/passkey.py): sign_in (any passkey of this site),
        second_factor (the pending sign-in's account), register and step_up (the signed-in
        session's account).
    POST /api/session/passkey   the passkey button's form: a sign-in with a passkey alone
        (purpose sign_in) or the pending sign-in's second step (second_factor); sets the
        session cookie like the password form.

Every page load (a GET for a page, not an API or the event socket) also refreshes a
session due for a new token (`SessionRefreshMiddleware`), so the cookie rotates without
any script seeing it. Pages read the cookie from their websocket's handshake
(state/session.py), never from JavaScript; signing out revokes the session server-side.
Both forms must come from this site's own pages (the Origin header), so another site
cannot sign a visitor in to an account of its choosing.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import routes
from commerce import accounts
from commerce.accounts import devices, sign_in, step_up, two_factor
from commerce.accounts.activity import Client
from commerce.accounts.service import SECOND_FACTOR_WAIT
from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.errors import DomainError, PermissionDenied, RateLimited, ValidationError
from commerce.i18n import gettext
from storefront.client_address import client_address
from storefront.cors import own_origin
from storefront.session_cookie import set_session_cookie

_NO_STORE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}
MAX_FIELD = 1000
# One device cookie per account a browser signs in to; sent only to the sign-in routes.
DEVICE_COOKIE_SECONDS = 365 * 24 * 60 * 60
DEVICE_COOKIE_PATH = "/api/session"
# Paths a page load never has: the backend's own endpoints and the event socket.
_NOT_PAGES = ("/api/", "/_event", "/_upload", "/ping", "/healthz", "/readyz", "/metrics", "/_next/", "/assets/")


def _same_site(request: Request) -> bool:
    origin = request.headers.get("origin")
    # Browsers send Origin on every form POST; a request without one is not from a page.
    return own_origin(origin, request.url.scheme, request.headers.get("host"))


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers=_NO_STORE)


def _sign_in(
    email: str, password: str, client: Client, device: str | None
) -> accounts.SessionGrant | accounts.SecondFactorNeeded:
    try:
        with unit_of_work() as s:
            return accounts.login(
                s,
                email=email,
                password=password,
                client_id=client.ip or "unknown",
                device_cookie=device,
                user_agent=client.user_agent,
            )
    except ValidationError:
        with unit_of_work() as s:
            accounts.record_failed_sign_in(s, email=email, client=client)
        raise


def _client(request: Request) -> Client:
    return Client(ip=client_address(request), user_agent=request.headers.get("user-agent", "")[:512])


def _pending_cookie(response: Response, token: str | None) -> Response:
    if token is None:
        response.delete_cookie(routes.PENDING_SIGN_IN_COOKIE, path=DEVICE_COOKIE_PATH, httponly=True, samesite="lax")
        return response
    response.set_cookie(
        routes.PENDING_SIGN_IN_COOKIE,
        token,
        max_age=int(SECOND_FACTOR_WAIT.total_seconds()),
        path=DEVICE_COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=get_settings().base_url.startswith("https://"),
    )
    return response


def _known_device(response: Response, email: str) -> Response:
    """This browser signed in to (or was vouched for by) this account: its device cookie."""
    response.set_cookie(
        routes.DEVICE_COOKIE,
        devices.issue(email),
        max_age=DEVICE_COOKIE_SECONDS,
        path=DEVICE_COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=get_settings().base_url.startswith("https://"),
    )
    return response


def _welcome(token: str) -> accounts.SessionGrant:
    with unit_of_work() as s:
        return accounts.confirm_registration(s, token=token)


async def login(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    next_path = routes.safe_next_path(str(form.get("next") or ""))
    if not _same_site(request):
        return _back(routes.login_url(next_path, error="origin"))
    email, password = str(form.get("email") or "")[:MAX_FIELD], str(form.get("password") or "")[:MAX_FIELD]
    if not email.strip() or not password:
        return _back(routes.login_url(next_path, error="missing"))
    try:
        device = request.cookies.get(routes.DEVICE_COOKIE)
        grant = await run_in_threadpool(_sign_in, email, password, _client(request), device)
    except RateLimited:
        return _back(routes.login_url(next_path, error="limited"))
    except PermissionDenied:
        return _back(routes.login_url(next_path, error="suspended"))
    except ValidationError:
        return _back(routes.login_url(next_path, error="incorrect"))
    if isinstance(grant, accounts.SecondFactorNeeded):
        return _pending_cookie(_back(routes.second_factor_url(next_path)), grant.token)
    return _known_device(set_session_cookie(_back(next_path), grant.token), grant.user.email)


def _finish_with_code(token: str, code: str, client: Client, device: str | None) -> accounts.SessionGrant:
    try:
        with unit_of_work() as s:
            return sign_in.finish_with_code(s, token=token, code=code, client=client, device_cookie=device)
    except ValidationError as refused:
        if refused.field == "code":
            with unit_of_work() as s:
                sign_in.record_failed_code(s, token=token, client=client)
        raise


async def second_factor(request: Request) -> Response:
    """The second step: a code from the authenticator app or a recovery code."""
    form = await request.form(max_files=0, max_fields=5)
    next_path = routes.safe_next_path(str(form.get("next") or ""))
    if not _same_site(request):
        return _back(routes.second_factor_url(next_path, error="origin"))
    token = request.cookies.get(routes.PENDING_SIGN_IN_COOKIE, "")
    code = str(form.get("code") or "")[:MAX_FIELD].strip()
    if not token:
        return _back(routes.login_url(next_path, error="expired"))
    if not code:
        return _back(routes.second_factor_url(next_path, error="missing"))
    device = request.cookies.get(routes.DEVICE_COOKIE)
    try:
        grant = await run_in_threadpool(_finish_with_code, token, code, _client(request), device)
    except RateLimited:
        return _back(routes.second_factor_url(next_path, error="limited"))
    except PermissionDenied:
        return _pending_cookie(_back(routes.login_url(next_path, error="suspended")), None)
    except sign_in.SignInExpired:
        return _pending_cookie(_back(routes.login_url(next_path, error="expired")), None)
    except ValidationError:
        return _back(routes.second_factor_url(next_path, error="code"))
    response = _pending_cookie(set_session_cookie(_back(next_path), grant.token), None)
    return _known_device(response, grant.user.email)


async def unlock(request: Request) -> Response:
    """The emailed unlock link: this device becomes known to the account, then signs in."""
    email = devices.email_from_unlock(request.query_params.get("token"))
    if email is None:
        return _back(routes.login_url(error="unlock"))
    return _known_device(_back(routes.login_url(error="unlocked")), email)


async def welcome(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5)
    token = str(form.get("token") or "")[:MAX_FIELD]
    if not _same_site(request):
        return _back(routes.registration_confirm_url(token, error="origin"))
    try:
        grant = await run_in_threadpool(_welcome, token)
    except ValidationError as refused:
        code = "taken" if "exists already" in refused.message else "expired"
        return _back(routes.registration_confirm_url(token, error=code))
    return _known_device(set_session_cookie(_back(routes.HOME), grant.token), grant.user.email)


def _options(purpose: str, pending: str, session_token: str) -> str:
    with unit_of_work() as s:
        if purpose == "second_factor":
            return sign_in.second_factor_passkey_options(s, pending)
        if purpose in ("register", "step_up"):
            found = accounts.socket_session(s, session_token)
            if found is None:
                raise PermissionDenied(gettext("Please sign in first."))
            if purpose == "register":
                return two_factor.passkey_registration_options(s, found.actor)
            return step_up.passkey_options(s, found.actor)
        return sign_in.passkey_sign_in_options(s)


async def passkey_options(request: Request) -> Response:
    if not _same_site(request):
        return JSONResponse({"error": gettext("Use this site's own page.")}, status_code=403, headers=_NO_STORE)
    purpose = request.query_params.get("purpose", "sign_in")
    try:
        options = await run_in_threadpool(
            _options,
            purpose,
            request.cookies.get(routes.PENDING_SIGN_IN_COOKIE, ""),
            request.cookies.get(routes.SESSION_COOKIE, ""),
        )
    except DomainError as refused:
        return JSONResponse({"error": refused.message}, status_code=400, headers=_NO_STORE)
    return Response(options, media_type="application/json", headers=_NO_STORE)


def _with_passkey(
    purpose: str, credential: str, pending: str, client: Client, device: str | None
) -> accounts.SessionGrant:
    with unit_of_work() as s:
        if purpose == "second_factor":
            return sign_in.finish_with_passkey(
                s, token=pending, credential=credential, client=client, device_cookie=device
            )
        return sign_in.sign_in_with_passkey(s, credential=credential, client=client, device_cookie=device)


async def passkey(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5)
    next_path = routes.safe_next_path(str(form.get("next") or ""))
    purpose = "second_factor" if form.get("purpose") == "second_factor" else "sign_in"
    again = routes.second_factor_url if purpose == "second_factor" else routes.login_url
    if not _same_site(request):
        return _back(again(next_path, error="origin"))
    credential = str(form.get("credential") or "")[: 64 * 1024]
    pending = request.cookies.get(routes.PENDING_SIGN_IN_COOKIE, "")
    try:
        grant = await run_in_threadpool(
            _with_passkey, purpose, credential, pending, _client(request), request.cookies.get(routes.DEVICE_COOKIE)
        )
    except PermissionDenied:
        return _pending_cookie(_back(routes.login_url(next_path, error="suspended")), None)
    except sign_in.SignInExpired:
        return _pending_cookie(_back(routes.login_url(next_path, error="expired")), None)
    except ValidationError:
        return _back(again(next_path, error="passkey"))
    response = _pending_cookie(set_session_cookie(_back(next_path), grant.token), None)
    return _known_device(response, grant.user.email)


def session_routes() -> list[Route]:
    return [
        Route(routes.SESSION_LOGIN, login, methods=["POST"]),
        Route(routes.SESSION_WELCOME, welcome, methods=["POST"]),
        Route(routes.SESSION_SECOND_FACTOR, second_factor, methods=["POST"]),
        Route(routes.SESSION_PASSKEY_OPTIONS, passkey_options, methods=["POST"]),
        Route(routes.SESSION_PASSKEY, passkey, methods=["POST"]),
        Route(routes.SESSION_UNLOCK, unlock, methods=["GET"]),
    ]


def _refresh(token: str) -> accounts.SessionGrant | None:
    with unit_of_work() as s:
        return accounts.resume_session(s, token)


class SessionRefreshMiddleware:
    """On a page load with a session due for a new token, rotate it and set the new cookie."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(_NOT_PAGES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if "text/html" not in headers.get("accept", ""):
            await self.app(scope, receive, send)
            return
        token = Request(scope).cookies.get(routes.SESSION_COOKIE, "")
        grant = await run_in_threadpool(_refresh, token) if token else None
        if grant is None or grant.token == token:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                carrier = Response()
                set_session_cookie(carrier, grant.token)
                cookie = [(name, value) for name, value in carrier.raw_headers if name == b"set-cookie"]
                message["headers"] = [*message.get("headers", []), *cookie]
            await send(message)

        await self.app(scope, receive, send_with_cookie)
