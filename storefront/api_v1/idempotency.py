"""`Idempotency-Key` on every POST of a keyed request (see commerce/api/idempotency.py).

The middleware reads the body, claims the key for (API key, Idempotency-Key) with a
fingerprint of the method, path and body, and then: runs the request and keeps its answer;
answers the kept answer again (`Idempotent-Replayed: true`); or refuses a key reused for a
different request (422) or one whose first request is still running (409). Answers the
client may fix by retrying as they are (429, 5xx, a key refused with 401) give the key back.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commerce.api import idempotency, keys
from commerce.api.idempotency import Claim
from commerce.db import unit_of_work
from commerce.errors import ValidationError
from storefront.api_v1.problems import domain_problem, problem

MAX_BODY_BYTES = 4 * 1024 * 1024
HEADER = "Idempotency-Key"
_RELEASED_STATUSES = frozenset({401, 408, 425, 429})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _bearer(scope: Scope) -> str | None:
    scheme, _, token = (_header(scope, b"authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _key_id(secret: str) -> int | None:
    with unit_of_work() as s:
        return keys.key_id_of(s, secret)


def _claim(api_key_id: int, key: str, fingerprint: str) -> idempotency.Claimed:
    with unit_of_work() as s:
        return idempotency.claim(s, api_key_id, key, fingerprint)


def _finish(api_key_id: int, key: str, status: int, content_type: str, body: bytes) -> None:
    with unit_of_work() as s:
        if 200 <= status < 500 and status not in _RELEASED_STATUSES:
            idempotency.finish(
                s, api_key_id, key, status=status, content_type=content_type, body=body.decode("utf-8", "replace")
            )
        else:
            idempotency.release(s, api_key_id, key)


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, HEADER.lower().encode()) if scope["type"] == "http" else None
        secret = _bearer(scope) if key is not None else None
        if scope["type"] != "http" or scope["method"] != "POST" or key is None or secret is None:
            await self.app(scope, receive, send)
            return
        api_key_id = await run_in_threadpool(_key_id, secret)
        if api_key_id is None:  # no such key: the request is refused (401) as it is
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > MAX_BODY_BYTES:
                await problem(413, "The request body is too large.")(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        fingerprint = idempotency.request_fingerprint("POST", scope["path"], bytes(body))
        try:
            claimed = await run_in_threadpool(_claim, api_key_id, key, fingerprint)
        except ValidationError as error:
            await domain_problem(error)(scope, receive, send)
            return
        if claimed.outcome == Claim.MISMATCH:
            response = problem(
                422,
                f"This {HEADER} was used for a different request; use a new key for a new request.",
                kind="idempotency",
            )
            await response(scope, receive, send)
            return
        if claimed.outcome == Claim.IN_PROGRESS:
            response = problem(
                409, f"The first request with this {HEADER} is still running; retry shortly.", kind="idempotency"
            )
            await response(scope, receive, send)
            return
        if claimed.outcome == Claim.REPLAY:
            headers = [(b"content-type", claimed.content_type.encode("latin-1")), (b"idempotent-replayed", b"true")]
            await send({"type": "http.response.start", "status": claimed.status, "headers": headers})
            await send({"type": "http.response.body", "body": claimed.body.encode()})
            return
        await self._run(scope, receive, send, api_key_id, key, bytes(body))

    async def _run(self, scope: Scope, receive: Receive, send: Send, api_key_id: int, key: str, body: bytes) -> None:
        sent = False

        async def replay_body() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 500
        content_type = ""
        answer = bytearray()

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                answer.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        finally:
            await run_in_threadpool(_finish, api_key_id, key, status, content_type, bytes(answer))
