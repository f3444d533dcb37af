"""The API reference page, `/api/v1/docs`: Swagger UI reading `/api/v1/openapi.json`, every
file served by the app (from the `fastapi-offline` package), none from a CDN, so it works
offline and under the site's CSP (scripts from this origin only: the page has no inline script)."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from starlette.responses import FileResponse, HTMLResponse, Response

ASSETS = Path(fastapi_offline.__file__).parent / "static"
_FILES = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript"}
_INIT = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: false,
    validatorUrl: null
  });
});
"""
_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Seller API reference</title>
<link rel="stylesheet" href="/api/v1/docs/assets/swagger-ui.css">
</head>
<body>
<main id="swagger-ui" aria-label="Seller API reference"></main>
<script src="/api/v1/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/v1/docs/assets/init.js"></script>
</body>
</html>
"""
_CACHE = {"cache-control": "public, max-age=86400"}

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def reference_page() -> HTMLResponse:
    return HTMLResponse(_PAGE, headers={"cache-control": "no-cache"})


@router.get("/docs/assets/init.js")
def init_script() -> Response:
    return Response(_INIT, media_type="text/javascript", headers=_CACHE)


@router.get("/docs/assets/{name}")
def asset(name: str) -> Response:
    if name not in _FILES:
        return Response(status_code=404)
    return FileResponse(ASSETS / name, media_type=_FILES[name], headers=_CACHE)
