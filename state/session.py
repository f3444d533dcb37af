"""Who is signed in: the session cookie, sign-in, sign-up, sign-out and page guards.

The cookie holds an opaque session token. It is HttpOnly, set only by HTTP responses
(storefront/api_session.py: the sign-in form posts there), so no script on the page can
read it; this state reads it from the websocket handshake's Cookie header. Who it
belongs to lives only in backend vars (leading underscore), filled from
`accounts.socket_session`. Any client can send any event with any arguments, so
nothing here trusts a payload for identity, and every service checks the actor's
permission itself.
"""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import urlencode

import reflex as rx

import routes
from commerce import accounts
from commerce.accounts import SocketSession
from commerce.actor import ANONYMOUS, Actor
from commerce.i18n import N_, gettext
from commerce.models import UserRole
from state import service_call
from state.form_data import confirmed, form_errors, missing, secret_field, text_field
from state.language import speaking

# What the sign-in page says for the reason codes the sign-in route sends back.
LOGIN_ERRORS = {
    "incorrect": N_("Email or password is incorrect."),
    "missing": N_("Enter your email and password."),
    "limited": N_("Too many failed sign-in attempts. Try again later or reset your password."),
    "suspended": N_("This account is suspended. Contact support if you think this is a mistake."),
    "origin": N_("That sign-in did not come from this site's page. Sign in here."),
    "unlocked": N_("This device can sign in to your account now."),
    "unlock": N_("This link is invalid or has expired. Sign in, or reset your password."),
    "expired": N_("This sign-in has expired. Enter your email and password again."),
    "passkey": N_("That passkey could not sign you in. Try again, or use your email and password."),
}
# What the second-factor page says for the reason codes its route sends back.
SECOND_FACTOR_ERRORS = {
    "code": N_("That code is not right. Enter the current code from your app, or a recovery code."),
    "missing": N_("Enter the code from your authenticator app, or a recovery code."),
    "limited": N_("Too many wrong codes. Wait 15 minutes, or use a recovery code later."),
    "origin": N_("That sign-in did not come from this site's page. Enter the code here."),
    "passkey": N_("That passkey could not be checked. Try again, or enter a code."),
}
CONFIRM_ERRORS = {
    "expired": N_("This sign-up link is invalid or has expired. Sign up again to get a new one."),
    "taken": N_("An account with this email exists already. Sign in, or reset the password if you forgot it."),
    "origin": N_("That request did not come from this site's page. Use the button below."),
}


def cookie_token(cookie_header: str) -> str:
    """The session token in a Cookie header ("" if none)."""
    return routes.cookie_value(cookie_header, routes.SESSION_COOKIE)


REGISTER_REQUIRED = {
    "email": N_("Enter your email address."),
    "display_name": N_("Enter the name others will see."),
    "password": N_("Choose a password."),
}


class SessionState(rx.State):
    _user_id: int | None = None
    _role: str = ANONYMOUS
    _shop_id: int | None = None
    # The token this page last resolved (its hash): the websocket keeps presenting its
    # handshake's cookie after a rotation, which stays valid for this page only.
    _seen_token_hash: str = ""
    # The session's family id: step-up (accounts/step_up.py) is per session.
    _session_id: str = ""
    # The language the person saved ("" for none); state.i18n settles the tab's language with it.
    _language: str = ""

    # Shown in menus and headers only; never used to decide anything.
    display_name: str = ""
    email: str = ""
    role: str = ANONYMOUS
    shop_slug: str = ""

    login_error: str = ""
    second_factor_error: str = ""
    # The passkey button's own failure (cancelled, no passkey on this device).
    passkey_error: str = ""
    # An administrator whose account has no second factor yet: the admin console sends
    # them to set one up (their actor is a buyer's until they do).
    needs_second_factor: bool = False

    # The sign-up form's errors: "email", "display_name", "password", "confirm" or "form".
    register_errors: dict[str, str] = {}
    register_pending: bool = False
    # After the sign-up form: the address the link went to (the same answer for an
    # address that already has an account, whose owner is emailed instead).
    register_sent_to: str = ""
    # The sign-up link's page: why it did not work.
    confirm_error: str = ""

    @rx.var
    def is_signed_in(self) -> bool:
        return self.role != ANONYMOUS

    @rx.var
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMIN and not self.needs_second_factor

    @rx.var
    def has_shop(self) -> bool:
        return self.shop_slug != ""

    @rx.var
    def next_path(self) -> str:
        """The page to return to after signing in (the sign-in form posts it along)."""
        return self._next_path()

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

    def _apply(self, found: SocketSession | None) -> None:
        if found is None:
            self._user_id, self._role, self._shop_id, self._seen_token_hash = None, ANONYMOUS, None, ""
            self.display_name, self.email, self.role, self.shop_slug = "", "", ANONYMOUS, ""
            self._session_id, self.needs_second_factor, self._language = "", False, ""
            return
        user = found.user
        actor = found.actor
        self._user_id, self._role, self._shop_id = actor.user_id, actor.role, actor.shop_id
        self._seen_token_hash, self._session_id = found.token_hash, found.session_id
        self.needs_second_factor = found.admin_without_second_factor
        self.display_name, self.email, self.role = user.display_name, user.email, user.role
        self.shop_slug = user.shop_slug or ""
        self._language = user.language

    def _token(self) -> str:
        # The HttpOnly cookie as the websocket's handshake carried it (never sent to the page).
        return cookie_token(self.router.headers.cookie)

    async def _resume(self) -> Actor:
        """Check the cookie's token against the database; return who it is."""
        found, token = None, self._token()
        if token:
            found = (
                await service_call.call(accounts.socket_session, token, seen_token_hash=self._seen_token_hash)
            ).value
        self._apply(found)
        return self._actor()

    def _actor(self) -> Actor:
        return Actor(user_id=self._user_id, role=self._role, shop_id=self._shop_id, session_id=self._session_id or None)

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

    def _sign_in_redirect(self) -> rx.event.EventSpec:
        """Where a guarded page sends an anonymous visitor: sign in, then back here."""
        return rx.redirect(routes.login_url(self._current_path()), replace=True)

    @rx.event
    async def open_sign_in_page(self):
        """Sign-in and sign-up pages: fresh forms; a signed-in visitor goes straight on."""
        self.register_errors, self.register_sent_to = {}, ""
        await speaking(self)
        self.login_error = gettext(LOGIN_ERRORS.get(self.router.url.query_parameters.get("error", ""), ""))
        actor = await self._resume()
        if actor.is_signed_in:
            return rx.redirect(self._next_path(), replace=True)

    @rx.event
    async def open_second_factor_page(self):
        """The sign-in's second step: its form posts to the HTTP route (which sets the cookie)."""
        await speaking(self)
        self.second_factor_error = gettext(
            SECOND_FACTOR_ERRORS.get(self.router.url.query_parameters.get("error", ""), "")
        )
        actor = await self._resume()
        if actor.is_signed_in:
            return rx.redirect(self._next_path(), replace=True)

    @rx.event
    async def require_admin_second_factor(self):
        """Admin pages: an administrator without a second factor is sent to set one up."""
        await self._resume()
        if self.needs_second_factor:
            return rx.redirect(routes.ACCOUNT_SECURITY, replace=True)

    @rx.event
    async def passkey_failed(self, message: str):
        await speaking(self)
        self.passkey_error = gettext("The passkey was not used: {reason}", reason=str(message)[:200])

    # Forms.

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
        if result.ok:
            self.register_sent_to = email

    @rx.event
    async def open_confirm_page(self):
        """The sign-up link's page: its button posts the token to the HTTP route, which
        creates the account and sets the cookie (a link scanner's GET creates nothing)."""
        await speaking(self)
        self.confirm_error = gettext(CONFIRM_ERRORS.get(self.router.url.query_parameters.get("error", ""), ""))
        await self._resume()

    @rx.var
    def signup_link_code(self) -> str:
        """The sign-up link's code for the page's form: the browser has it already (it is
        the page's own address); `registration_token` is routes.REGISTRATION_CONFIRM's segment."""
        return self.registration_token

    @rx.event
    async def logout(self):
        """Revoke the session server-side: the HttpOnly cookie left in the browser opens nothing."""
        token = self._token()
        if token:
            await service_call.call(accounts.logout, token)
        self._apply(None)
        return rx.redirect(routes.HOME)


async def current_actor(state: rx.State) -> Actor:
    """The actor for any state's handler, re-checked against the database.

    A module function rather than a SessionState method: every public method of
    a state is an event any client could call.
    """
    await speaking(state)
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
