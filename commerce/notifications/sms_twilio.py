"""SMS through Twilio's official client (Programmable Messaging, POST .../Messages.json).

Twilio's refusals (a number it cannot reach, an account without credit) and network
failures become DeliveryFailed with Twilio's code and message: the SMS job logs it and
tries again, and after its last try the job is kept as a dead letter.
"""

from __future__ import annotations

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from commerce.notifications.channels import DeliveryFailed


class TwilioSmsSender:
    def __init__(
        self, account_sid: str, auth_token: str, from_: str, *, timeout: float = 10.0, api_url: str | None = None
    ) -> None:
        self._client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        if api_url is not None:  # a stand-in for api.twilio.com (the contract tests' stub server)
            self._client.api.base_url = api_url
        self._from = from_

    def send(self, phone: str, text: str) -> None:
        try:
            self._client.messages.create(to=phone, from_=self._from, body=text)
        except TwilioRestException as exc:
            raise DeliveryFailed(f"Twilio answered {exc.status} (error {exc.code}): {exc.msg}") from None
        except (TwilioException, requests.RequestException) as exc:
            raise DeliveryFailed(f"Twilio could not be reached: {exc}") from None
