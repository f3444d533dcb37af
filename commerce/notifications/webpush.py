"""Web Push with `pywebpush`: VAPID-signed (RFC 8292), encrypted to the browser (RFC 8291).

pywebpush encrypts the message and signs the VAPID token; the request itself leaves
through `commerce.kit.outbound` (handed to pywebpush as its HTTP session), so a
subscription pointing at the platform's own network is refused as a seller's webhook is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from commerce.kit import outbound
from commerce.notifications.channels import DeliveryFailed, PushGone, PushMessage, PushTarget

# Kept this long by the push service for a browser that is offline (a sale seen the next day).
TTL_SECONDS = 24 * 60 * 60
USER_AGENT = "Marketplace-Push/1.0"


class _Answer:
    """What pywebpush reads of a response (status, reason and text)."""

    def __init__(self, answer: outbound.Answer) -> None:
        self.status_code = answer.status_code
        self.reason = ""
        self.text = answer.excerpt
        self.headers: dict[str, str] = {}


class _GuardedSession:
    """pywebpush's `requests_session`: its POST goes through the outbound guard."""

    def __init__(self, timeout: float, allow_loopback: bool) -> None:
        self.timeout = timeout
        self.allow_loopback = allow_loopback

    def post(self, url: str, *, data: bytes, headers: Mapping[str, str], timeout: float | None = None) -> _Answer:
        sent = {"Content-Type": "application/octet-stream", "User-Agent": USER_AGENT, **headers}
        answer = outbound.post(url, data, sent, timeout=timeout or self.timeout, allow_loopback=self.allow_loopback)
        if answer.status_code is None:
            raise DeliveryFailed(answer.error)
        return _Answer(answer)


class WebPushSender:
    def __init__(self, private_key: str, subject: str, *, timeout: float, allow_loopback: bool) -> None:
        self._vapid = Vapid.from_raw(private_key.encode())
        self._subject = subject
        self._session = _GuardedSession(timeout, allow_loopback)

    def send(self, target: PushTarget, message: PushMessage) -> None:
        payload = json.dumps({"title": message.title, "body": message.body, "url": message.url})
        try:
            webpush(
                {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}},
                data=payload,
                vapid_private_key=self._vapid,
                # A fresh dict each time: pywebpush adds the audience and expiry to it.
                vapid_claims={"sub": self._subject},
                ttl=TTL_SECONDS,
                requests_session=self._session,  # the guarded stand-in of a requests.Session
            )
        except WebPushException as exc:
            if exc.status_code in (404, 410):
                raise PushGone(f"push service answered {exc.status_code}") from None
            raise DeliveryFailed(f"push service answered {exc.status_code}: {exc.message[:300]}") from None
