"""The tab's language: what its pages say and which way they read.

`LanguageState` holds the language, its direction and the one catalog the browser needs
(English -> the current language, storefront domain; the backoffice catalog only on the
studio and admin pages). Components read it through `components.i18n.t()`, so a change of
language is one event whose delta carries one catalog, and English carries nothing.

It imports no other state, so `state.service_call`'s callers and `state.session` can use
`speaking()`; choosing and negotiating live in `state.i18n`.
"""

from __future__ import annotations

import reflex as rx

import routes
from commerce import i18n

ONE_YEAR = 365 * 24 * 3600


class LanguageState(rx.State):
    lang: str = i18n.DEFAULT_LANGUAGE
    dir: str = "ltr"
    # English -> translation for the components' t() (empty in English).
    messages: dict[str, str] = {}
    # The backoffice catalog, filled by the studio's and admin pages' load only (bt()).
    backoffice: dict[str, str] = {}
    # The visitor's choice, for their next visit before they sign in (and for crawlers' heads).
    cookie: str = rx.Cookie("", name=routes.LANGUAGE_COOKIE, path="/", max_age=ONE_YEAR, same_site="lax")
    _with_backoffice: bool = False

    def _use(self, language: str) -> None:
        """Speak `language` in this tab (a supported code) from the next delta on."""
        if language == self.lang and (self.messages or language == i18n.DEFAULT_LANGUAGE):
            return
        self.lang, self.dir = language, i18n.direction(language)
        self.messages = i18n.client_messages(language, i18n.STOREFRONT)
        if self._with_backoffice:
            self.backoffice = i18n.client_messages(language, i18n.BACKOFFICE)

    @rx.event
    def load_backoffice(self):
        """The studio's and admin console's catalog, when one of their pages opens."""
        if not self._with_backoffice:
            self._with_backoffice = True
            self.backoffice = i18n.client_messages(self.lang, i18n.BACKOFFICE)


async def speaking(state: rx.State) -> str:
    """Make the tab's language the current one for what this event does next (services'
    messages and labels, prices, dates): call it before a service whose answer a person
    reads. `session.current_actor` does it for every call made as the session's actor."""
    language = (await state.get_state(LanguageState)).lang
    i18n.set_language(language)
    return language
