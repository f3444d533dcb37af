"""Which language a tab speaks: negotiated when a page opens, changed from the language menu.

The order is the issue's: `?lang=` on the address (the hreflang links crawlers and shared
links follow), then the signed-in person's saved choice, then the cookie of an earlier
choice, then the browser's Accept-Language. A choice from the menu is saved on the account
(when signed in) and in the cookie, and applies at once: the catalog arrives in the same
event's delta, and the page's loaders run again for the text the server formats (prices,
dates, messages). Nothing reloads, so the cart and a half-filled form stay as they were.
"""

from __future__ import annotations

import reflex as rx

import routes
from commerce import accounts, i18n
from state import service_call
from state.language import LanguageState
from state.session import SessionState, current_actor


class I18nState(rx.State):
    # Whose language this tab settled: "" before the first page, the user id (or "guest")
    # after, so signing in or out settles it again (the saved choice may differ).
    _settled_for: str = ""

    @rx.event
    async def settle(self):
        """Every page's first load event: the language from the address, the account, the cookie or the browser."""
        language = await self.get_state(LanguageState)
        session = await self.get_state(SessionState)
        asked = i18n.supported(self.router.url.query_parameters.get(routes.LANGUAGE_PARAM))
        who = str(session._user_id or "guest")
        if asked:
            language.cookie = asked
            language._use(asked)
        elif who != self._settled_for:
            language._use(
                i18n.choose(session._language, language.cookie)
                if (session._language or language.cookie)
                else i18n.negotiate(self.router.headers.accept_language)
            )
        self._settled_for = who

    @rx.event
    async def choose(self, code: str):
        """The language menu: speak `code` now, remember it, and have the page's loaders run again."""
        chosen = i18n.supported(code)
        if chosen is None:
            return None
        language = await self.get_state(LanguageState)
        language.cookie = chosen
        language._use(chosen)
        actor = await current_actor(self)
        if actor.is_signed_in:
            await service_call.call(accounts.set_language, actor, chosen)
            (await self.get_state(SessionState))._language = chosen
        return None
