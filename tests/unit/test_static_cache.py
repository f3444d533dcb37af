"""The build's content-hashed scripts are cached by browsers for good; pages are asked for on
every load (a page load rotates the session's token)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from storefront.static_cache import StaticCacheMiddleware


async def page(request):
    return HTMLResponse("<html></html>")


def test_assets_are_immutable_and_pages_are_not(tmp_path):
    (tmp_path / "react-DlmbjZJV.js").write_text("export default 1;")
    app = Starlette(
        routes=[Route("/seller/", page), Mount("/assets", StaticFiles(directory=tmp_path))],
        middleware=[Middleware(StaticCacheMiddleware)],
    )
    client = TestClient(app)

    script = client.get("/assets/react-DlmbjZJV.js")
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    revalidated = client.get("/assets/react-DlmbjZJV.js", headers={"if-none-match": script.headers["etag"]})
    assert revalidated.status_code == 304
    assert revalidated.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get("/seller/").headers["cache-control"] == "no-cache"
    assert "cache-control" not in client.get("/assets/missing-abc.js").headers


def test_a_built_page_is_revalidated_not_reused(tmp_path):
    (tmp_path / "index.html").write_text("<html>home</html>")
    app = Starlette(
        routes=[Mount("/", StaticFiles(directory=tmp_path, html=True))],
        middleware=[Middleware(StaticCacheMiddleware)],
    )
    client = TestClient(app)

    page = client.get("/")
    assert page.headers["cache-control"] == "no-cache"
    assert client.get("/", headers={"if-none-match": page.headers["etag"]}).status_code == 304
