"""Error reports to Sentry (sentry-sdk), only when SENTRY_DSN is set, without personal data.

The SDK's default (`send_default_pii` unset, i.e. False) keeps it from attaching IP
addresses, cookies and request bodies by itself; `scrub` (the `before_send` hook) then removes what could still name a
person or open an account: email addresses anywhere in the event, cookies, request
bodies, credential headers, secret-looking query parameters (tokens, signatures, keys)
in any URL or query string, and the user.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import sentry_sdk
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

from commerce.observability.redaction import redact_emails

if TYPE_CHECKING:
    from sentry_sdk._types import Event

FILTERED = "[Filtered]"
_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "idempotency-key"}
# Query parameters that carry a credential: session and access tokens, link signatures,
# API and license keys, one-time codes, passwords.
_SECRET_PARAM = re.compile(
    r"(?:^|(?<=[?&;\s]))(?P<name>(?:[\w.-]*token|sig|signature|[\w.-]*key|[\w-]*secret|password|code|otp))=(?P<value>[^&#\s\"']+)",
    re.IGNORECASE,
)


def _scrub_text(text: str) -> str:
    return _SECRET_PARAM.sub(lambda m: f"{m.group('name')}={FILTERED}", redact_emails(text))


def _scrub_values(value: Any) -> Any:
    if isinstance(value, str):
        return _scrub_text(value)
    if isinstance(value, dict):
        return {key: _scrub_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_values(item) for item in value]
    return value


def scrub(event: Event, hint: dict[str, Any] | None = None) -> Event:
    """Sentry's `before_send`: the event without personal data or credentials."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("data", None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                name: (FILTERED if name.lower() in _SECRET_HEADERS else value) for name, value in headers.items()
            }
    # Who it was stays out; the logs name people by pseudonym only.
    event.pop("user", None)
    return cast("Event", _scrub_values(event))


def report(error: BaseException) -> None:
    """Send an error now, inside the request's, event's or job's scope (`logs.scope`), so it
    carries that id; the frameworks' own reports of the same error are dropped as duplicates.
    Nothing happens without SENTRY_DSN."""
    sentry_sdk.capture_exception(error)


def start_error_reports(dsn: str | None, *, environment: str, release: str | None = None) -> bool:
    """Start Sentry when a DSN is configured; says whether it did."""
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        # No personal data by default: send_default_pii stays unset, which the SDK reads as
        # False (2.75 deprecates the option in favour of data_collection, whose use would
        # turn the event scrubber below off).
        # The SDK's own scrubber too (passwords, tokens, cookies by key name, at any depth).
        event_scrubber=EventScrubber(denylist=[*DEFAULT_DENYLIST, "email", "license_key", "key"], recursive=True),
        before_send=scrub,
        # Errors only: no performance tracing is sent.
        traces_sample_rate=0.0,
    )
    return True
