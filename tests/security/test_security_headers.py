"""Security headers on pages and API answers, and a CSP without 'unsafe-eval' whose inline
scripts are allowed one by one (by hash). The browser tests run with it enforced and fail
on any violation (tests/e2e/conftest.py); violation reports are logged here."""

from __future__ import annotations

import base64
import gzip
import hashlib
import logging

import brotli
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from storefront.security_headers import SecurityHeadersMiddleware, csp_routes

PAGE = b"<html><head><script>window.boot = 1;</script><script src='/assets/app.js'></script></head></html>"


async def page(request):
    return HTMLResponse(PAGE)


async def zipped_page(request):
    return Response(gzip.compress(PAGE), media_type="text/html", headers={"content-encoding": "gzip"})


async def brotli_page(request):
    return Response(brotli.compress(PAGE), media_type="text/html", headers={"content-encoding": "br"})


async def api(request):
    return JSONResponse({"ok": True})


@pytest.fixture
def client():
    app = Starlette(
        routes=[
            Route("/", page),
            Route("/zipped", zipped_page),
            Route("/brotli", brotli_page),
            Route("/api/thing", api),
            *csp_routes(),
        ],
        middleware=[Middleware(SecurityHeadersMiddleware)],
    )
    return TestClient(app)


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/zipped", "/brotli", "/api/thing"])
def test_every_answer_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert "frame-ancestors" in directives(headers["content-security-policy"])
    assert directives(headers["content-security-policy"])["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", ["/", "/zipped", "/brotli"])
def test_a_page_allows_its_own_inline_scripts_by_hash_and_never_eval(client, path):
    response = client.get(path)
    assert response.content == PAGE  # the page itself is untouched
    policy = directives(response.headers["content-security-policy"])
    inline = "'sha256-" + base64.b64encode(hashlib.sha256(b"window.boot = 1;").digest()).decode() + "'"
    assert inline in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["report-uri"] == ["/api/csp-report"]


def test_hsts_only_when_the_site_is_https(client, monkeypatch):
    assert "strict-transport-security" not in client.get("/").headers
    monkeypatch.setenv("BASE_URL", "https://shop.example")
    from commerce.config import get_settings

    get_settings.cache_clear()
    try:
        assert client.get("/").headers["strict-transport-security"].startswith("max-age=")
    finally:
        monkeypatch.delenv("BASE_URL")
        get_settings.cache_clear()


def test_violation_reports_are_logged(client, caplog):
    report = {"csp-report": {"blocked-uri": "inline", "violated-directive": "script-src-elem"}}
    with caplog.at_level(logging.WARNING, logger="storefront.csp"):
        assert client.post("/api/csp-report", json=report).status_code == 204
    assert "csp-violation" in caplog.text
    assert "script-src-elem" in caplog.text
    assert client.post("/api/csp-report", content=b"x" * 20_000).status_code == 413


def test_the_apps_own_routes_carry_them():
    from storefront.api import api as app_routes

    headers = TestClient(app_routes).get("/healthz").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert directives(headers["content-security-policy"])["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(("encoding", "compress"), [("", bytes), ("gzip", gzip.compress), ("br", brotli.compress)])
def test_a_page_sent_as_a_file_by_the_server_gets_its_hashes_too(tmp_path, encoding, compress):
    """Granian sends static pages with the zero-copy `http.response.pathsend` message, the
    build's precompressed copy (index.html.br, .gz) when the browser accepts it."""
    import asyncio

    page_file = tmp_path / "index.html"
    page_file.write_bytes(compress(PAGE))
    headers = [(b"content-type", b"text/html")] + ([(b"content-encoding", encoding.encode())] if encoding else [])

    async def static_page(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.pathsend", "path": str(page_file)})

    sent = []

    async def run():
        async def receive():
            return {"type": "http.request", "body": b""}

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/",
            "headers": [],
            "extensions": {"http.response.pathsend": {}},
        }
        await SecurityHeadersMiddleware(static_page)(scope, receive, send)

    asyncio.run(run())
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.pathsend"]
    policy = dict(sent[0]["headers"])[b"content-security-policy"].decode()
    assert "'sha256-" + base64.b64encode(hashlib.sha256(b"window.boot = 1;").digest()).decode() + "'" in policy


def test_a_page_file_rebuilt_in_place_gets_its_new_scripts_hashes(tmp_path):
    """A page file's scripts are read once per version of the file, not once per process."""
    from storefront import security_headers

    page_file = tmp_path / "index.html"
    page_file.write_bytes(PAGE)
    before = security_headers._page_file_scripts(str(page_file), None)
    assert before == (b"window.boot = 1;",)
    page_file.write_bytes(PAGE.replace(b"window.boot = 1;", b"window.boot = 2; // a new build"))
    assert security_headers._page_file_scripts(str(page_file), None) == (b"window.boot = 2; // a new build",)
    page_file.unlink()
    assert security_headers._page_file_scripts(str(page_file), None) == ()


def test_a_not_modified_answer_keeps_the_cached_pages_policy():
    """Headers of a 304 replace the cached page's: an API policy there would break the page."""

    async def not_modified(request):
        return Response(status_code=304)

    app = Starlette(routes=[Route("/", not_modified)], middleware=[Middleware(SecurityHeadersMiddleware)])
    assert "content-security-policy" not in TestClient(app).get("/").headers
