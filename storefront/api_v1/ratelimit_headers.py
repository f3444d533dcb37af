"""`RateLimit` and `RateLimit-Policy` headers on every answer to a keyed request (the IETF
httpapi draft's structured fields), taken from what the auth dependency counted."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commerce.api.limits import RateLimitState


class RateLimitHeadersMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("state", {}).get("rate_limit")
                if isinstance(state, RateLimitState):
                    headers = MutableHeaders(scope=message)
                    headers["ratelimit-policy"] = state.policy_header
                    headers["ratelimit"] = state.header
            await send(message)

        await self.app(scope, receive, send_with_headers)
