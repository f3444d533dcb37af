"""Who is signed in: the session cookie, sign-in, sign-up, sign-out and page guards.

The cookie holds an opaque session token; who it belongs to lives only in
backend vars (leading underscore), filled from `accounts.resume_session`. Any
client can send any event with any arguments, so nothing here trusts a payload
for identity, and every service checks the actor's permission itself.
"""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import urlencode

import reflex as rx

import routes
from commerce import accounts
from commerce.accounts import SessionGrant
from commerce.actor import ANONYMOUS, Actor
from commerce.config import get_settings
from commerce.models import UserRole
from state import service_call
from state.form_data import confirmed, form_errors, missing, secret_field, text_field


def _cookie_max_age() -> int:
    # Matches the server-side session lifetime; the server's expiry is what counts.
    return get_settings().session_days * 24 * 60 * 60


def _cookie_is_secure() -> bool:
    return get_settings().base_url.startswith("https://")


REGISTER_REQUIRED = {
    "email": "Enter your email address.",
    "display_name": "Enter the name others will see.",
    "password": "Choose a password.",
}


class SessionState(rx.State):
    session_token: str = rx.Cookie(
        "",
        name=routes.SESSION_COOKIE,
        path="/",
        max_age=_cookie_max_age(),
        same_site="lax",
        secure=_cookie_is_secure(),
    )

    _user_id: int | None = None
    _role: str = ANONYMOUS
    _shop_id: int | None = None

    # Shown in menus and headers only; never used to decide anything.
    display_name: str = ""
    email: str = ""
    role: str = ANONYMOUS
    shop_slug: str = ""

    login_error: str = ""
    login_pending: bool = False

    # The sign-up form's errors: "email", "display_name", "password", "confirm" or "form".
    register_errors: dict[str, str] = {}
    register_pending: bool = False

    @rx.var
    def is_signed_in(self) -> bool:
        return self.role != ANONYMOUS

    @rx.var
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMIN

    @rx.var
    def has_shop(self) -> bool:
        return self.shop_slug != ""

    @rx.var
    def next_query(self) -> str:
        """`?next=…` to carry the page to return to between sign-in and sign-up."""
        next_path = self._next_path()
        return "" if next_path == routes.HOME else "?" + urlencode({"next": next_path})

    @rx.var
    def sign_in_here(self) -> str:
        """The sign-in page, coming back to this page afterwards (the navbar's "Sign in")."""
        path = self._current_path()
        if path.startswith((routes.LOGIN, routes.REGISTER, routes.PASSWORD_RESET)):
            return routes.LOGIN + self.next_query  # keep where the visitor was going
        return routes.login_url(path)

    # Identity, backend only.

    def _apply(self, grant: SessionGrant | None) -> None:
        if grant is None:
            self._user_id, self._role, self._shop_id = None, ANONYMOUS, None
            self.display_name, self.email, self.role, self.shop_slug = "", "", ANONYMOUS, ""
            if self.session_token:
                self.session_token = ""
            return
        user = grant.user
        self._user_id, self._role, self._shop_id = user.id, user.role, user.shop_id
        self.display_name, self.email, self.role = user.display_name, user.email, user.role
        self.shop_slug = user.shop_slug or ""
        if grant.token != self.session_token:
            # A refreshed session comes with a new token; the old one stops working soon.
            self.session_token = grant.token

    async def _resume(self) -> Actor:
        """Check the cookie's token against the database; return who it is."""
        grant = None
        if self.session_token:
            grant = (await service_call.call(accounts.resume_session, self.session_token)).value
        self._apply(grant)
        return self._actor()

    def _actor(self) -> Actor:
        return Actor(user_id=self._user_id, role=self._role, shop_id=self._shop_id)

    def _client_id(self) -> str:
        # The socket's peer address (or the trusted proxy's X-Forwarded-For entry,
        # per REFLEX_TRUSTED_PROXY_HOPS); never anything the event payload says.
        return self.router.session.client_ip or "unknown"

    def _current_path(self) -> str:
        url = self.router.url
        # The production build's addresses end in "/" ("/orders/"); the routes do not.
        path = url.path.rstrip("/") or "/"
        return f"{path}?{url.query}" if url.query else path

    def _next_path(self) -> str:
        return routes.safe_next_path(self.router.url.query_parameters.get("next"))

    # Page load events.

    @rx.event
    async def resolve(self):
        """On every page load: who is signed in (also refreshes the token)."""
        await self._resume()

    @rx.event
    async def require_signed_in(self):
        """Guarded pages send anonymous visitors to sign in and back.

        Seller and admin pages use this too: a signed-in user without the role
        sees a "not allowed" panel there rather than a redirect loop.
        """
        actor = await self._resume()
        if not actor.is_signed_in:
            return rx.redirect(routes.login_url(self._current_path()), replace=True)

    @rx.event
    async def open_sign_in_page(self):
        """Sign-in and sign-up pages: fresh forms; a signed-in visitor goes straight on."""
        self.login_error, self.register_errors = "", {}
        actor = await self._resume()
        if actor.is_signed_in:
            return rx.redirect(self._next_path(), replace=True)

    # Forms.

    @rx.event
    async def login(self, form_data: dict[str, Any]):
        email = text_field(form_data, "email")
        password = secret_field(form_data, "password")
        self.login_error = ""
        if not email or not password:
            self.login_error = "Enter your email and password."
            return
        self.login_pending = True
        yield
        result = await service_call.call(accounts.login, email=email, password=password, client_id=self._client_id())
        self.login_pending = False
        self.login_error = result.error
        if not result.ok:
            return
        self._apply(result.value)
        # A guest cart joins the account's on the next page (CartState.refresh_count runs on every page).
        yield rx.redirect(self._next_path())

    @rx.event
    async def register(self, form_data: dict[str, Any]):
        email = text_field(form_data, "email")
        display_name = text_field(form_data, "display_name")
        password = secret_field(form_data, "password")
        confirm = secret_field(form_data, "confirm_password")
        self.register_errors = {
            **missing({"email": email, "display_name": display_name, "password": password}, REGISTER_REQUIRED),
            **confirmed(password, confirm),
        }
        if self.register_errors:
            return
        self.register_pending = True
        yield
        result = await service_call.call(
            accounts.register,
            email=email,
            password=password,
            display_name=display_name,
            client_id=self._client_id(),
        )
        self.register_pending = False
        self.register_errors = form_errors(result, ("email", "display_name", "password"))
        if not result.ok:
            return
        self._apply(result.value)
        yield rx.redirect(self._next_path())

    @rx.event
    async def logout(self):
        if self.session_token:
            await service_call.call(accounts.logout, self.session_token)
        self._apply(None)
        return rx.redirect(routes.HOME)


async def current_actor(state: rx.State) -> Actor:
    """The actor for any state's handler, re-checked against the database.

    A module function rather than a SessionState method: every public method of
    a state is an event any client could call.
    """
    session = await state.get_state(SessionState)
    return await session._resume()


def client_connected(state: rx.State) -> bool:
    """Whether this tab's websocket is still open on this process."""
    try:
        # The running app's module is already imported; look it up rather than import it again.
        app = sys.modules[rx.config.get_config().module].app
        namespace = app.event_namespace
        if namespace is None:
            return True
        token = state.router.session.client_token
        # token_to_sid copies the whole mapping on every call; the live dict is a plain lookup.
        sockets = getattr(getattr(namespace, "_token_manager", None), "token_to_socket", None)
        return token in (sockets if isinstance(sockets, dict) else namespace.token_to_sid)
    except Exception:  # an unknown framework layout: rely on MAX_WATCH_SECONDS
        return True
