"""What every page's chrome needs on load, as one event.

The navbar shows who is signed in, the cart count and the unread badge; a shop page also
notes the visitor. Each was its own on-load event, so a page load answered with five delta
frames and checked the session against the database three times. One event per page kind
(plus the page's own load) sends one frame for all of it and checks the session once.
"""

from __future__ import annotations

import reflex as rx

from state.analytics import VisitorState
from state.cart import CartState
from state.notifications import NotificationsState
from state.session import SessionState


class ShellState(rx.State):
    @rx.event
    async def open_shop_page(self):
        """A shop page, open to anyone (the page load itself refreshed a token due for it)."""
        actor = await (await self.get_state(SessionState))._resume()
        (await self.get_state(VisitorState))._land()
        await (await self.get_state(CartState))._refresh_count(actor)
        return await (await self.get_state(NotificationsState))._start(actor)

    @rx.event
    async def open_signed_in_page(self):
        """A page for signed-in users: an anonymous visitor is sent to sign in and back.

        Seller and admin pages use this too: a signed-in user without the role sees a
        "not allowed" panel there rather than a redirect loop.
        """
        session = await self.get_state(SessionState)
        actor = await session._resume()
        if not actor.is_signed_in:
            return session._sign_in_redirect()
        await (await self.get_state(CartState))._refresh_count(actor)
        return await (await self.get_state(NotificationsState))._start(actor)
