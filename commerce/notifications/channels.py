"""Push and SMS ports, and the senders that only write to the log.

Web Push (`webpush.WebPushSender`, VAPID and RFC 8291 encryption) and Twilio
(`sms_twilio.TwilioSmsSender`) implement them; `commerce.wiring` picks one from the
settings and keeps the logging senders where nothing is configured. Which messages reach
a person on which channel is their choice (`preferences`); the jobs in `tasks` check it
when sending.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from commerce.kit.slot import Slot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PushTarget:
    """One browser's subscription: the push service's endpoint and the keys to encrypt to."""

    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class PushMessage:
    title: str
    body: str
    url: str  # absolute: the device opens it from outside the site


class PushGone(Exception):
    """The push service no longer knows the subscription (404 or 410): forget it."""


class DeliveryFailed(Exception):
    """A push service or SMS provider refused or failed the message; the job tries again."""


class PushSender(Protocol):
    def send(self, target: PushTarget, message: PushMessage) -> None:
        """Deliver `message` to one browser; PushGone or DeliveryFailed otherwise."""


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Send `text` to `phone` (E.164); DeliveryFailed when the provider refuses it."""


class LoggingPushSender:
    def send(self, target: PushTarget, message: PushMessage) -> None:
        # The endpoint's host only: the rest of it is the browser's capability to be pushed to.
        host = target.endpoint.split("/")[2] if target.endpoint.count("/") >= 2 else ""
        log.info("push via %s: %r %r -> %s", host, message.title, message.body, message.url)


class LoggingSmsSender:
    def send(self, phone: str, text: str) -> None:
        # Only the last digits: a phone number is personal data and logs are widely read.
        log.info("sms to …%s: %r", phone[-4:], text)


# Plugged in by commerce.wiring (the logging senders unless a vendor is configured).
push_sender: Slot[PushSender] = Slot("push sender")
sms_sender: Slot[SmsSender] = Slot("SMS sender")
