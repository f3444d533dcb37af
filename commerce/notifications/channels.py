"""Push and SMS ports. No vendor is chosen yet, so the default senders write to the log.

A vendor adapter (web push, APNs/FCM, an SMS gateway) implements the same
`send`; `commerce.wiring` picks it. Which messages reach a person on which
channel is their choice (`preferences`); the jobs in `tasks` check it when sending.
"""

from __future__ import annotations

import logging
from typing import Protocol

from commerce.kit.slot import Slot

log = logging.getLogger(__name__)


class PushSender(Protocol):
    def send(self, user_id: int, title: str, body: str, url: str) -> None: ...


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LoggingPushSender:
    def send(self, user_id: int, title: str, body: str, url: str) -> None:
        log.info("push to user %d: %r %r -> %s", user_id, title, body, url)


class LoggingSmsSender:
    def send(self, phone: str, text: str) -> None:
        # Only the last digits: a phone number is personal data and logs are widely read.
        log.info("sms to …%s: %r", phone[-4:], text)


# Plugged in by commerce.wiring (logging senders until a vendor is chosen).
push_sender: Slot[PushSender] = Slot("push sender")
sms_sender: Slot[SmsSender] = Slot("SMS sender")
