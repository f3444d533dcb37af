"""Where the busiest routes stand in the router changes no answer: /api/v1 is matched before
the other routes (none of which can match a path under it), and the license checks are
answered in front of the API app (`storefront.api_v1.license_checks`) exactly as the app
answers them: same status, body and headers, errors included."""

from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.routing import Match
from starlette.testclient import TestClient

import storefront.api_licenses
from commerce.errors import NotFound
from storefront.api import api, api_v1, routes
from storefront.api_v1.license_checks import LicenseChecks

VALIDATE = "/api/v1/licenses/validate"
BASE = "http://shop.test"
# Fresh addresses for this module's checks, so other tests' counted misses never refuse one.
_addresses = iter(f"10.77.{n // 256}.{n % 256}" for n in range(1, 60000))


def _scope(method: str, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> dict:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": headers or []}


def _v1_paths() -> list[str]:
    document = api_v1.app.openapi()
    return ["/api/v1" + re.sub(r"\{[^}]+\}", "x1", path) for path in document["paths"]] + ["/api/v1/docs"]


def test_no_route_before_or_after_the_api_mount_matches_a_path_under_it():
    paths = _v1_paths()
    assert VALIDATE in paths
    assert len(paths) > 20
    others = [route for route in routes if route is not api_v1 and not isinstance(route, LicenseChecks)]
    for path in paths:
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
            scope = _scope(method, path)
            assert [route for route in others if route.matches(scope)[0] != Match.NONE] == [], (method, path)
            assert api_v1.matches(scope)[0] == Match.FULL


def test_the_license_checks_stand_first_after_the_probes_and_take_only_plain_posts():
    [checks] = [route for route in routes if isinstance(route, LicenseChecks)]
    robots = next(route for route in routes if getattr(route, "path", None) == "/robots.txt")
    assert routes.index(checks) + 1 == routes.index(api_v1) < routes.index(robots)
    for name in ("validate", "activate", "deactivate"):
        assert checks.matches(_scope("POST", f"/api/v1/licenses/{name}"))[0] == Match.FULL
    for method, path, headers in (
        ("GET", VALIDATE, []),
        ("PUT", VALIDATE, []),
        ("POST", VALIDATE + "/", []),
        ("POST", "/api/v1/licenses", []),
        ("POST", VALIDATE, [(b"idempotency-key", b"k1")]),  # the app's idempotency layer may act
    ):
        assert checks.matches(_scope(method, path, headers))[0] == Match.NONE, (method, path, headers)


@pytest.fixture(scope="module")
def clients():
    """The site's HTTP app, and the same app without the license checks in front of /api/v1."""
    without = Starlette(routes=[r for r in routes if not isinstance(r, LicenseChecks)], middleware=api.user_middleware)
    with (
        TestClient(api, base_url=BASE, raise_server_exceptions=False) as fast,
        TestClient(without, base_url=BASE, raise_server_exceptions=False) as through_app,
    ):
        yield fast, through_app


def _answer(client: TestClient, method: str, path: str, **kwargs):
    headers = {"x-forwarded-for": next(_addresses), **kwargs.pop("headers", {})}
    response = client.request(method, path, headers=headers, **kwargs)
    kept = {k: v for k, v in response.headers.items() if k not in ("x-request-id", "date")}
    return response.status_code, kept, response.content


REQUESTS = [
    ("POST", VALIDATE, {"json": {"product_id": 1, "key": "NOPE-NOPE-NOPE"}}),
    ("POST", VALIDATE, {"content": b"{"}),
    ("POST", VALIDATE, {"content": b"x" * 10_000}),
    ("POST", VALIDATE, {"json": {"product_id": 2**70, "key": "ABCDE-FGHIJ"}}),
    ("POST", "/api/v1/licenses/activate", {"json": {"product_id": 1, "key": "NOPE-NOPE"}}),
    ("POST", "/api/v1/licenses/deactivate", {"json": {"product_id": 1, "key": "NOPE-NOPE", "instance": "pc"}}),
    ("POST", VALIDATE, {"json": {"product_id": 1, "key": "K"}, "headers": {"origin": "https://other.example"}}),
    ("GET", VALIDATE, {}),
    ("POST", VALIDATE + "/", {"json": {"product_id": 1, "key": "K"}}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), REQUESTS)
def test_a_license_check_is_answered_as_the_api_app_answers_it(clients, method, path, kwargs):
    fast, through_app = clients
    assert _answer(fast, method, path, **dict(kwargs)) == _answer(through_app, method, path, **dict(kwargs))


@pytest.mark.parametrize("error", [NotFound("No such thing."), RuntimeError("a bug")])
def test_errors_out_of_a_check_are_the_api_apps_problems(clients, monkeypatch, error):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(storefront.api_licenses, "_call", fail)
    fast, through_app = clients
    body = {"json": {"product_id": 1, "key": "ABCDE-FGHIJ"}}
    answer = _answer(fast, "POST", VALIDATE, **body)
    assert answer == _answer(through_app, "POST", VALIDATE, **body)
    assert answer[0] == (404 if isinstance(error, NotFound) else 500)
    assert answer[1]["content-type"] == "application/problem+json"


def test_both_ways_a_check_is_counted_under_its_path(clients, scrape):
    labels = {"route": VALIDATE, "method": "POST", "status": "200"}
    before = scrape.value("marketplace_http_requests_total", **labels)
    for client in clients:
        _answer(client, "POST", VALIDATE, json={"product_id": 1, "key": "NOPE-NOPE-NOPE"})
    assert scrape.value("marketplace_http_requests_total", **labels) == before + 2
