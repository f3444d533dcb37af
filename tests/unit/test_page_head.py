"""The head a crawler reads: every tag in place, and no text able to break out of its element."""

from __future__ import annotations

import json

from commerce.seo.head import PageHead
from storefront.page_head import DRAWN_BY_THE_PAGE, json_ld, with_head
from tests.fixtures.documents import SPA_DOCUMENT, parse

HOSTILE = 'Fonts "Deluxe" </script><script>alert(1)</script> & <b>more</b> \u2028'


def _head(**changes) -> PageHead:
    values = dict(
        title=HOSTILE,
        description='A "quoted" <summary> & more',
        path="/p/ink/deluxe",
        og_type="product",
        image_path="/api/media/media/covers/deluxe.png",
        image_alt=HOSTILE,
        image_srcset="/a-400.png 400w, /a-800.png 800w",
        structured_data={"@context": "https://schema.org", "@type": "Product", "name": HOSTILE, "url": "/p/ink/deluxe"},
    )
    return PageHead(**{**values, **changes})


def test_the_page_head_replaces_the_generic_tags():
    document = with_head(SPA_DOCUMENT, _head(), "https://shop.example/")
    tags = parse(document)
    assert tags.text_of("title") == [HOSTILE + " · Marketplace"]
    assert tags.content("name", "description") == ['A "quoted" <summary> & more']
    assert [found["href"] for tag, found in tags.tags if found.get("rel") == "canonical"] == [
        "https://shop.example/p/ink/deluxe"
    ]
    assert tags.content("property", "og:title") == [HOSTILE]
    assert tags.content("property", "og:url") == ["https://shop.example/p/ink/deluxe"]
    assert tags.content("property", "og:type") == ["product"]
    # The cover, not the generic favicon the static document names.
    assert tags.content("property", "og:image") == ["https://shop.example/api/media/media/covers/deluxe.png"]
    assert tags.content("name", "twitter:card") == ["summary_large_image"]
    assert tags.content("name", "twitter:image") == ["https://shop.example/api/media/media/covers/deluxe.png"]
    assert tags.content("name", "robots") == []
    # The cover is fetched with the HTML, as the page's <img> will ask for it.
    (preload,) = [found for tag, found in tags.tags if found.get("rel") == "preload"]
    assert preload == {
        "data-served": "until-left",
        "rel": "preload",
        "as": "image",
        "fetchpriority": "high",
        "href": "/api/media/media/covers/deluxe.png",
        "imagesrcset": "/a-400.png 400w, /a-800.png 800w",
        "imagesizes": "(min-width: 768px) 60vw, 100vw",
    }

    # Every tag the server wrote is marked (components.head): what the product page renders
    # again from its state goes once it has drawn its own, the rest once the visitor moves on.
    # The document's own tags are not marked.
    def marked(until: str) -> set[str]:
        return {
            found.get("name") or found.get("property") or found.get("rel") or found.get("type") or tag
            for tag, found in tags.tags
            if found.get("data-served") == until
        }

    assert marked("until-drawn") == DRAWN_BY_THE_PAGE["product"]
    assert {"title", "canonical"} <= marked("until-drawn")
    assert marked("until-left") == {
        "alternate",
        "og:site_name",
        "og:image:alt",
        "twitter:image",
        "twitter:title",
        "twitter:description",
        "preload",
        "application/ld+json",
    }
    assert [found for tag, found in tags.tags if "data-served" not in found and tag in {"meta", "link"}] == [
        {"charset": "utf-8"},
        {"content": "width=device-width", "name": "viewport"},
        {"href": "/favicon.svg", "rel": "icon"},
    ]
    # The character set stays first; the page's own scripts are untouched.
    assert document.startswith(b'<!DOCTYPE html><html lang="en" dir="ltr"><head><meta charSet="utf-8"/><title ')
    assert b"<script>window.x = 1;</script>" in document


def test_no_title_breaks_out_of_the_structured_data():
    document = with_head(SPA_DOCUMENT, _head(), "https://shop.example")
    tags = parse(document)
    # The head's own script, one data block, the body's script: the hostile title added no element.
    assert [found for tag, found in tags.tags if tag == "script"] == [
        {},
        {"data-served": "until-left", "type": "application/ld+json"},
        {},
    ]
    assert [tag for tag, _ in tags.tags if tag == "b"] == []
    (block,) = tags.text_of("script", type="application/ld+json")
    assert json.loads(block) == {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": HOSTILE,
        "url": "https://shop.example/p/ink/deluxe",
    }
    assert "</" not in json_ld({"name": HOSTILE})


def test_a_page_without_a_picture_gets_a_small_card_and_a_preview_is_not_indexed():
    tags = parse(with_head(SPA_DOCUMENT, _head(image_path="", noindex=True), "https://shop.example"))
    assert tags.content("property", "og:image") == []
    assert tags.content("name", "twitter:card") == ["summary"]
    assert tags.content("name", "robots") == ["noindex"]
    assert [found for tag, found in tags.tags if found.get("rel") == "preload"] == []


def test_an_existing_title_and_description_are_replaced_not_repeated():
    document = (
        b"<html><head><title>Marketplace</title><meta name='description' content='generic'>"
        b'<link rel="canonical" href="/"></head><body></body></html>'
    )
    tags = parse(with_head(document, _head(title="Deluxe"), "https://shop.example"))
    assert tags.text_of("title") == ["Deluxe · Marketplace"]
    assert len(tags.content("name", "description")) == 1
    assert len([found for tag, found in tags.tags if found.get("rel") == "canonical"]) == 1


def test_the_middleware_serves_the_page_head_fresh_and_compressed(monkeypatch, tmp_path):
    """Through the ASGI layer: a found page gets its head (gzipped when asked), never the static
    file's validators; an unknown one is a 404 with the not-found title."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from commerce.catalog.queries import PageAnswer
    from storefront import page_status

    async def spa(request):
        return HTMLResponse(SPA_DOCUMENT, headers={"etag": '"static"', "cache-control": "max-age=3600"})

    answers = {"/p/ink/deluxe": (PageAnswer.FOUND, _head()), "/p/ink/gone": (PageAnswer.NOT_FOUND, None)}
    monkeypatch.setattr(
        page_status, "_answer", lambda slugs, token, lang: answers[f"/p/{slugs['shop']}/{slugs['product']}"]
    )
    client = TestClient(
        page_status.PageStatusMiddleware(Starlette(routes=[Route("/{path:path}", spa)]), client_dir=lambda: tmp_path)
    )

    found = client.get("/p/ink/deluxe", headers={"accept-encoding": "gzip", "if-none-match": '"static"'})
    assert found.status_code == 200
    assert found.headers["content-encoding"] == "gzip"
    assert "etag" not in found.headers
    assert found.headers["cache-control"] == "no-cache"
    assert parse(found.content).text_of("title") == [HOSTILE + " · Marketplace"]
    plain = client.get("/p/ink/deluxe", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert found.content == plain.content  # the client undid the gzip

    missing = client.get("/p/ink/gone")
    assert missing.status_code == 404
    assert parse(missing.content).text_of("title") == ["Not found · Marketplace"]
    assert parse(missing.content).text_of("script", type="application/ld+json") == []
