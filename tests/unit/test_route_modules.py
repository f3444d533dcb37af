"""A product, shop or category page's document names its own scripts for preloading, from the
router's manifest, so the browser fetches them with the shared ones instead of after them."""

from __future__ import annotations

import json
import os
import re

from storefront.route_modules import with_route_modules

SHARED = "/assets/entry.client-A.js"
DOCUMENT = (
    b'<html><head><link rel="modulepreload" href="/assets/entry.client-A.js"/>'
    b'<script type="module" async="">import "/assets/manifest-1a2b.js";\nimport * as route0 from "/assets/root-R.js";'
    b"</script></head><body></body></html>"
)


def _manifest(client_dir, routes):
    assets = client_dir / "assets"
    assets.mkdir(exist_ok=True)
    body = {"entry": {"module": SHARED, "imports": []}, "routes": routes}
    (assets / "manifest-1a2b.js").write_text("window.__reactRouterManifest=" + json.dumps(body) + ";")
    return assets / "manifest-1a2b.js"


def _route(path, module, *imports):
    return {"id": module, "parentId": "root", "path": path, "module": module, "imports": list(imports)}


ROUTES = {
    "root": {"id": "root", "path": "", "module": "/assets/root-R.js", "imports": [SHARED]},
    "product": _route("p/:shop_slug/:product_slug", "/assets/product-P.js", SHARED, "/assets/lib-L.js"),
    "shop": _route("s/:shop_slug", "/assets/shop-S.js", SHARED),
    "featured": _route("s/featured", "/assets/featured-F.js"),
}


def _preloads(document: bytes) -> list[str]:
    return re.findall(r'<link rel="modulepreload" href="([^"]+)"', document.decode())


def test_a_product_page_preloads_its_module_and_imports_once(tmp_path):
    _manifest(tmp_path, ROUTES)
    document = with_route_modules(DOCUMENT, "/p/ink/deluxe", tmp_path)
    assert _preloads(document) == [SHARED, "/assets/product-P.js", "/assets/lib-L.js"]
    assert document.index(b"product-P.js") < document.index(b"</head>")


def test_a_fixed_segment_wins_over_a_parameter(tmp_path):
    _manifest(tmp_path, ROUTES)
    assert _preloads(with_route_modules(DOCUMENT, "/s/featured", tmp_path))[1:] == ["/assets/featured-F.js"]
    assert _preloads(with_route_modules(DOCUMENT, "/s/inkwell/", tmp_path))[1:] == ["/assets/shop-S.js"]


def test_no_route_or_no_manifest_leaves_the_document_as_it_was(tmp_path):
    assert with_route_modules(DOCUMENT, "/p/ink/deluxe", tmp_path) == DOCUMENT  # no manifest on disk
    _manifest(tmp_path, ROUTES)
    assert with_route_modules(DOCUMENT, "/p/ink/deluxe/extra", tmp_path) == DOCUMENT
    assert with_route_modules(b"<html><head></head></html>", "/p/ink/deluxe", tmp_path) == b"<html><head></head></html>"


def test_a_rebuilt_manifest_is_read_again(tmp_path):
    file = _manifest(tmp_path, ROUTES)
    assert "/assets/product-P.js" in _preloads(with_route_modules(DOCUMENT, "/p/ink/deluxe", tmp_path))
    _manifest(tmp_path, {**ROUTES, "product": _route("p/:shop_slug/:product_slug", "/assets/product-Q.js")})
    stat = file.stat()
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert _preloads(with_route_modules(DOCUMENT, "/p/ink/deluxe", tmp_path))[1:] == ["/assets/product-Q.js"]
