"""The Twilio SMS adapter against a local stub of Twilio's REST API, which checks what the
official client sends: the Messages resource of the account, HTTP basic auth with the
account SID and auth token, and a form body with To, From and Body. Twilio's refusals are
raised (never swallowed), logged by the SMS job and retried."""

import base64
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from commerce.config import load_settings
from commerce.jobs import enqueue_after_commit
from commerce.notifications import DeliveryFailed, LoggingSmsSender, preferences, sms_sender
from commerce.notifications import tasks as notification_tasks
from commerce.notifications.sms_twilio import TwilioSmsSender
from commerce.wiring import _sms_sender

SID, TOKEN, FROM = "AC" + "0" * 32, "stub-auth-token", "+15005550006"


class TwilioStub:
    """Answers like api.twilio.com: 201 with a message resource, or a scripted error."""

    def __init__(self):
        self.requests = []
        self.errors = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                stub.requests.append((self.path, dict(self.headers), parse_qs(body)))
                if stub.errors:
                    status, answer = stub.errors.pop(0)
                else:
                    status, answer = 201, {"sid": "SM" + "1" * 32, "status": "queued", "account_sid": SID}
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def twilio():
    stub = TwilioStub()
    yield stub
    stub.close()


def sender(stub) -> TwilioSmsSender:
    return TwilioSmsSender(SID, TOKEN, FROM, timeout=2, api_url=stub.url)


def test_a_message_is_posted_to_the_accounts_messages_with_basic_auth_and_a_form(twilio):
    sender(twilio).send("+447700900123", "New sale: Brushes")
    [(path, headers, form)] = twilio.requests
    assert path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert headers["Authorization"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form == {"To": ["+447700900123"], "From": [FROM], "Body": ["New sale: Brushes"]}


def test_twilios_refusal_is_raised_with_its_code_and_message(twilio):
    twilio.errors.append(
        (400, {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400})
    )
    with pytest.raises(DeliveryFailed, match="21211.*not a valid phone number"):
        sender(twilio).send("+447700900123", "hello")


def test_an_unreachable_twilio_is_a_failure_too(twilio):
    unreachable = TwilioSmsSender(SID, TOKEN, FROM, timeout=1, api_url="http://127.0.0.1:9")
    with pytest.raises(DeliveryFailed, match="could not be reached"):
        unreachable.send("+447700900123", "hello")


def test_the_sms_job_logs_the_failure_and_raises_for_a_retry(world, twilio, jobs, caplog):
    seller = world.seller_actor(world.shop())
    preferences.set_sms_number(world.s, seller, number="+44 7700 900123")
    preferences.set_notification_preference(world.s, seller, kind="sale_alert", channel="sms", enabled=True)
    twilio.errors.append((500, {"code": 20500, "message": "Internal Server Error", "status": 500}))
    sms = {"user_id": seller.user_id, "kind": "sale_alert", "text": "New sale", "idempotency_key": "sale:1"}
    with sms_sender.replaced(sender(twilio)), caplog.at_level(logging.WARNING, logger="commerce.notifications.tasks"):
        enqueue_after_commit(world.s, notification_tasks.send_sms, **sms)
        world.s.commit()
        [failure] = jobs.take_failures()
        assert "20500" in failure.describe()
        assert "sms to user" in caplog.text
        assert "20500" in caplog.text

        # The retry sends it: the failed attempt kept no idempotency claim.
        enqueue_after_commit(world.s, notification_tasks.send_sms, **sms)
        world.s.commit()
    assert len(twilio.requests) == 2
    assert jobs.take_failures() == []


def test_wiring_chooses_twilio_only_with_all_three_settings():
    configured = load_settings({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM": FROM})
    assert isinstance(_sms_sender(configured), TwilioSmsSender)
    assert isinstance(_sms_sender(load_settings({})), LoggingSmsSender)
