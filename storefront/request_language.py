"""The language of an HTTP answer: its messages (a download link that expired) and the
head crawlers read are in the visitor's language, negotiated as the pages do: `?lang=`,
then the language cookie, then Accept-Language (an HTTP request has no saved account
choice to consult without a database read, and the cookie carries the same choice).

`RequestLanguageMiddleware` makes it the current language (`commerce.i18n`) for the
whole request, so endpoints and the services they call translate with plain `gettext`.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

import routes
from commerce import i18n


def request_language(connection: HTTPConnection) -> str:
    explicit = i18n.supported(connection.query_params.get(routes.LANGUAGE_PARAM)) or i18n.supported(
        connection.cookies.get(routes.LANGUAGE_COOKIE)
    )
    return explicit or i18n.negotiate(connection.headers.get("accept-language"))


class RequestLanguageMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with i18n.use_language(request_language(HTTPConnection(scope))):
            await self.app(scope, receive, send)
