"""Cross-origin reads: only the site's own pages may read cookie-authenticated answers;
the license API answers any origin, never with credentials.

Reflex adds its CORS middleware to each layer of the app through `App._add_cors`; these
tests build the HTTP routes the way Reflex does, so they see the policy the app runs with.
"""

from __future__ import annotations

import pytest
import reflex as rx
from starlette.applications import Starlette
from starlette.testclient import TestClient

from storefront.api import routes
from storefront.storefront import app as reflex_app

EVIL = "https://evil.example"
HOST = "shop.test"
OWN = f"http://{HOST}"


@pytest.fixture
def client():
    api = Starlette(routes=routes)
    rx.App._add_cors(api)  # what Reflex does to every layer it builds
    return TestClient(api, base_url=OWN)


def test_another_site_cannot_read_cookie_authenticated_answers(client):
    for path in ("/healthz", "/api/seller/exports/sales.csv", "/api/download/1/1/x?exp=1&sig=x"):
        response = client.get(path, headers={"origin": EVIL, "cookie": "mp_session=stolen"})
        assert "access-control-allow-origin" not in response.headers, path
        assert "access-control-allow-credentials" not in response.headers, path
    preflight = client.options(
        "/api/seller/exports/sales.csv",
        headers={"origin": EVIL, "access-control-request-method": "GET", "access-control-request-headers": "x-a"},
    )
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers


def test_the_sites_own_pages_may(client):
    response = client.get("/healthz", headers={"origin": OWN, "cookie": "mp_session=mine"})
    assert response.headers["access-control-allow-origin"] == OWN
    assert response.headers["access-control-allow-credentials"] == "true"


def test_the_license_api_answers_any_origin_without_credentials(client):
    preflight = client.options(
        "/api/v1/licenses/validate",
        headers={
            "origin": EVIL,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in preflight.headers
    answer = client.post(
        "/api/v1/licenses/validate",
        json={"product_id": 1, "key": "NOPE"},
        headers={"origin": EVIL, "cookie": "mp_session=mine"},
    )
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers


def test_the_event_socket_accepts_only_the_sites_own_pages():
    allowed = reflex_app.sio.eio._cors_allowed_origins
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": HOST}
    assert allowed({**environ, "HTTP_ORIGIN": EVIL}) == []
    assert allowed({**environ, "HTTP_ORIGIN": OWN}) == [OWN]
