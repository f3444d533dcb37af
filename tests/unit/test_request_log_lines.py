"""Each HTTP request writes one structured line: its request id, route, status and who
asked (a pseudonym, never the email)."""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest
from starlette.testclient import TestClient

import routes
from commerce.db import unit_of_work
from commerce.models import User
from commerce.observability import logs
from storefront.api import api
from tests.fixtures.delivery import session_token

EXPORT = "/api/seller/exports/sales.csv"


@pytest.fixture
def logged():
    """Configure the app's logging into a buffer for the test; give back what was written."""
    stream = io.StringIO()
    root = logging.getLogger()
    level_before = root.level

    def configure(fmt: str, level: str = "INFO") -> io.StringIO:
        logs.configure_logging(fmt=fmt, level=level, stream=stream, pseudonym_key=b"test-pseudonyms")
        return stream

    yield configure
    root.setLevel(level_before)
    for handler in [h for h in root.handlers if isinstance(h, logs._AppHandler)]:
        root.removeHandler(handler)


@pytest.fixture
def log_lines(logged):
    """What the app logs during the test, as JSON objects (the production format)."""
    stream = logged(logs.JSON)
    return lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def signed_in():
    with unit_of_work() as s:
        user = User(email=f"ada.lovelace.{uuid.uuid4().hex}@example.com", display_name="Ada", password_hash="!")
        s.add(user)
        s.flush()
        token = session_token(s, user)
        return user.id, token


def request_lines(lines):
    return [line for line in lines if line.get("event") == "http_request"]


def test_a_request_writes_one_line_with_its_id_route_and_pseudonymous_user(log_lines, signed_in):
    user_id, token = signed_in
    client = TestClient(api, cookies={routes.SESSION_COOKIE: token})
    response = client.get(EXPORT)
    assert response.status_code == 403  # a buyer has no shop; who asked is known all the same
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32

    lines = log_lines()
    [line] = request_lines(lines)
    assert line["request_id"] == request_id
    assert line["route"] == EXPORT
    assert line["method"] == "GET"
    assert line["status"] == 403
    assert line["user"] == logs.pseudonym(user_id) != str(user_id)
    assert line["level"] == "info"
    assert line["logger"] == "commerce.http"
    assert "timestamp" in line
    assert "ada.lovelace" not in json.dumps(lines)


def test_an_incoming_request_id_is_kept_and_echoed(log_lines):
    response = TestClient(api).get(
        "/api/download/7/8/secret-name.pdf?exp=1&sig=forged", headers={"X-Request-ID": "lb-1234"}
    )
    assert response.headers["x-request-id"] == "lb-1234"
    [line] = request_lines(log_lines())
    assert line["request_id"] == "lb-1234"
    # The template, never the path: ids and names (and tokens, elsewhere) stay out.
    assert line["route"] == "/api/download/{fulfilment_id}/{file_id}/{filename}"
    assert "secret-name" not in json.dumps(line)
    assert "user" not in line


def test_a_request_id_that_is_not_a_plain_token_is_replaced(log_lines):
    response = TestClient(api).get("/healthz", headers={"X-Request-ID": "x" * 300})
    assert response.headers["x-request-id"] != "x" * 300
    assert len(response.headers["x-request-id"]) == 32


def test_existing_log_calls_come_out_as_the_same_json_without_emails(log_lines):
    logging.getLogger("commerce.security").warning("refused %s for %s", "an admin action", "eve@example.org")
    [line] = [line for line in log_lines() if line["logger"] == "commerce.security"]
    assert line["event"] == "refused an admin action for [email]"
    assert line["level"] == "warning"


@pytest.mark.parametrize(("level", "written"), [("INFO", 0), ("DEBUG", 1)])
def test_probes_are_logged_only_when_the_level_is_debug(logged, level, written):
    stream = logged(logs.JSON, level)
    response = TestClient(api).get("/healthz")
    assert response.status_code == 200
    lines = request_lines(json.loads(line) for line in stream.getvalue().splitlines())
    assert [line["route"] for line in lines] == ["/healthz"] * written
    assert all(line["level"] == "debug" for line in lines)


def test_console_format_is_readable_lines(logged):
    stream = logged(logs.CONSOLE)
    TestClient(api).get("/api/download/7/8/x.pdf?exp=1&sig=forged")
    [line] = [line for line in stream.getvalue().splitlines() if "http_request" in line]
    assert "route=/api/download/{fulfilment_id}/{file_id}/{filename}" in line
    assert not line.startswith("{")
