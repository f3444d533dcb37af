"""What reaches Sentry carries no email, cookie, credential header, secret query parameter or user."""

from __future__ import annotations

import json

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from commerce.observability import errors, logs


def sentry_event() -> dict:
    """An event shaped as sentry-sdk's Starlette integration sends one."""
    return {
        "message": "checkout failed for ada@example.com",
        "exception": {"values": [{"type": "DomainError", "value": "no account for bob.smith+shop@mail.example.org"}]},
        "request": {
            "url": "https://shop.example/access/receipt?token=s3cr3t-receipt&page=2",
            "method": "GET",
            "query_string": "exp=1767225600&sig=abcdef0123&q=fonts",
            "headers": {
                "Authorization": "Bearer mk_live_key",
                "Cookie": "mp_session=session-token",
                "X-Api-Key": "mk_live_other",
                "User-Agent": "Firefox",
            },
            "cookies": {"mp_session": "session-token"},
            "data": {"email": "ada@example.com", "password": "hunter22"},
        },
        "user": {"id": "42", "email": "ada@example.com", "ip_address": "203.0.113.9"},
        "breadcrumbs": {
            "values": [
                {"category": "httplib", "data": {"url": "https://api.example/v1/keys?api_key=k-123&limit=5"}},
                {"category": "log", "message": "sent receipt to ada@example.com"},
            ]
        },
        "extra": {"reset_link": "https://shop.example/password/reset?code=9f8e7d"},
    }


def test_scrubbing_removes_personal_data_and_credentials():
    scrubbed = errors.scrub(sentry_event(), {})
    text = json.dumps(scrubbed)
    for secret in (
        "ada@example.com",
        "bob.smith",
        "s3cr3t-receipt",
        "abcdef0123",
        "mk_live_key",
        "mk_live_other",
        "session-token",
        "hunter22",
        "203.0.113.9",
        "k-123",
        "9f8e7d",
    ):
        assert secret not in text, secret
    assert "user" not in scrubbed
    assert "cookies" not in scrubbed["request"]
    assert "data" not in scrubbed["request"]


def test_scrubbing_keeps_what_helps_to_debug():
    scrubbed = errors.scrub(sentry_event(), {})
    assert scrubbed["message"] == "checkout failed for [email]"
    assert scrubbed["request"]["query_string"] == "exp=1767225600&sig=[Filtered]&q=fonts"
    assert scrubbed["request"]["url"] == "https://shop.example/access/receipt?token=[Filtered]&page=2"
    assert scrubbed["request"]["headers"]["User-Agent"] == "Firefox"
    assert scrubbed["request"]["headers"]["Authorization"] == "[Filtered]"
    assert scrubbed["exception"]["values"][0]["type"] == "DomainError"


def test_sentry_starts_only_with_a_dsn(monkeypatch):
    started = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **options: started.append(options))
    assert errors.start_error_reports(None, environment="production") is False
    assert started == []
    assert errors.start_error_reports("https://key@sentry.example/1", environment="production") is True
    [options] = started
    # Personal data stays off: the SDK's default, not overridden (nor data_collection, which
    # would switch the scrubber off).
    assert not options.get("send_default_pii")
    assert "data_collection" not in options
    assert options["before_send"] is errors.scrub


class CapturedReports(Transport):
    """Keeps what the SDK would send (no network)."""

    def __init__(self, options=None):
        super().__init__(options)
        self.events: list[dict] = []

    def capture_envelope(self, envelope):
        self.events += [item.payload.json for item in envelope.items if item.type == "event"]


@pytest.fixture
def sentry(monkeypatch):
    real_init = sentry_sdk.init
    monkeypatch.setattr(sentry_sdk, "init", lambda **options: real_init(**options, transport=CapturedReports))
    errors.start_error_reports("https://public@sentry.example/1", environment="test")
    yield sentry_sdk.get_client().transport
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def test_an_error_reported_inside_a_job_carries_its_id_and_no_personal_data(sentry):
    with logs.scope(job="commerce.notifications.tasks.send_email", job_id="job-77"):
        try:
            raise ValueError("no mailbox for ada@example.com")
        except ValueError as error:
            errors.report(error)
    [event] = sentry.events
    assert event["tags"]["job_id"] == "job-77"
    assert event["exception"]["values"][0]["value"] == "no mailbox for [email]"
    assert "ada@example.com" not in json.dumps(event)
