"""A product page's served document paints the product's first screen before the app's
scripts run, and starts those scripts (the same modules, in the same order) after it."""

from __future__ import annotations

import re

from commerce.seo.head import ProductFold
from storefront.first_paint import FOLD_ID, fold_html, with_first_paint
from tests.fixtures.documents import ROUTER_DOCUMENT, ROUTER_PRELOADS, parse

HOSTILE = 'Deluxe </script><img src=x onerror=alert(1)> "kit"'
FOLD = ProductFold(
    title=HOSTILE,
    summary="Everything & more",
    category_name="E-books",
    shop_name="Ink <Press>",
    shop_url="/s/ink",
    price_label="$19.00",
    cover_path="/api/media/covers/a.webp",
    cover_srcset="/api/media/covers/a-400.webp 400w, /api/media/covers/a.webp 1600w",
)


def _module_script(document: bytes) -> str:
    (script,) = re.findall(r'<script type="module" async="">(.*?)</script>', document.decode(), re.DOTALL)
    return script


def test_the_first_screen_shows_the_product_as_text_a_browser_paints_without_scripts():
    parsed = parse(fold_html(FOLD))
    text = " ".join(" ".join(parsed.texts).split())
    for shown in (HOSTILE, "Everything & more", "E-books", "Sold by Ink <Press>", "$19.00"):
        assert shown in text
    assert ("img", {"src": "x", "onerror": "alert(1)"}) not in parsed.tags  # the title stayed text
    (cover,) = [attrs for tag, attrs in parsed.tags if tag == "img"]
    assert cover["src"] == FOLD.cover_path
    assert cover["srcset"] == FOLD.cover_srcset
    assert ("a", {"href": "/s/ink"}) in parsed.tags


def test_a_product_without_a_cover_keeps_the_cover_s_place():
    parsed = parse(fold_html(ProductFold(**{**FOLD.__dict__, "cover_path": "", "cover_srcset": ""})))
    assert not [tag for tag, _ in parsed.tags if tag == "img"]
    assert ("div", {"class": "fp-cover"}) in parsed.tags


def test_the_scripts_start_after_the_first_screen_with_the_same_modules_in_the_same_order():
    document = with_first_paint(ROUTER_DOCUMENT, fold_html(FOLD))
    assert b'<link rel="modulepreload"' not in document
    script = _module_script(document)
    assert not re.search(r"^\s*import\s", script, re.MULTILINE)  # nothing runs before the first frame
    assert "requestAnimationFrame(boot)" in script
    assert f"const modules = {list(ROUTER_PRELOADS)}".replace("'", '"') in script
    steps = ('manifest-1.js")', 'root-2.js")', "__reactRouterRouteModules", 'import("/assets/entry.client-3.js")')
    order = [script.index(step) for step in steps]
    assert order == sorted(order)
    assert 'const route0 = await import("/assets/root-2.js");' in script
    # The first screen opens the body, ahead of the app's root (painted in the first frame),
    # with what the app draws to replace it.
    body = document.decode().split("<body>")[1]
    assert body.startswith(f'<div id="{FOLD_ID}"')
    assert body.index(f'id="{FOLD_ID}"') < body.index('class="radix-themes"')
    assert 'data-until="#product-title' in body
    assert "window.x = 1;" in body


def test_the_first_screen_opens_the_body_when_the_bootstrap_closes_it():
    """As the router writes its documents: the bootstrap at the end of the body."""
    bootstrap = re.search(rb'<script type="module" async="">.*?</script>', ROUTER_DOCUMENT, re.DOTALL).group(0)
    in_body = ROUTER_DOCUMENT.replace(bootstrap, b"").replace(b"</body>", bootstrap + b"</body>")
    document = with_first_paint(in_body, fold_html(FOLD)).decode()
    body = document.split("<body>")[1]
    assert body.startswith(f'<div id="{FOLD_ID}"')
    assert "requestAnimationFrame(boot)" in _module_script(document.encode())
    assert body.index('class="radix-themes"') < body.index('<script type="module"')


def test_a_bootstrap_of_another_shape_leaves_the_document_as_the_framework_wrote_it():
    named = ROUTER_DOCUMENT.replace(
        b'import * as route0 from "/assets/root-2.js";', b'import { a } from "/assets/root-2.js";'
    )
    assert with_first_paint(named, fold_html(FOLD)) == named
    no_bootstrap = re.sub(rb'<script type="module".*?</script>', b"", ROUTER_DOCUMENT, flags=re.DOTALL)
    assert with_first_paint(no_bootstrap, fold_html(FOLD)) == no_bootstrap
