"""The home page's document preloads the cover of its first card (its largest paint on a
phone), the same one the page's state shows: the week's best seller, else the newest, and
paints it into that card's placeholder before the page's scripts run."""

from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from commerce.catalog.queries import ProductCardView
from state import home
from state.page import Pagination
from storefront import home_head
from tests.fixtures.documents import ROUTER_DOCUMENT, SPA_DOCUMENT, parse


def card(slug: str, cover_url: str | None) -> ProductCardView:
    return ProductCardView(
        id=1,
        title=slug,
        summary="",
        shop_name="Ink",
        shop_slug="ink",
        slug=slug,
        url=f"/p/ink/{slug}",
        price_label="$5.00",
        cover_url=cover_url,
        category_name="",
    )


def listing(products=(), popular=()) -> home._HomeListing:
    return home._HomeListing(products=list(products), pagination=Pagination(), categories=[], popular=list(popular))


def test_the_first_card_is_the_best_seller_else_the_newest():
    newest, best = card("newest", "/api/media/new.webp"), card("best", "/api/media/best.webp")
    assert listing([newest], [best]).first_cover == "/api/media/best.webp"
    assert listing([newest]).first_cover == "/api/media/new.webp"
    assert listing([card("bare", None)]).first_cover is None
    assert listing().first_cover is None


@pytest.fixture
def client(monkeypatch):
    shown: dict[tuple[str, int], home._HomeListing] = {}
    asked: list[tuple[str, int]] = []

    async def home_listing(lang: str, page: int) -> home._HomeListing:
        asked.append((lang, page))
        return shown.get((lang, page), listing())

    monkeypatch.setattr(home_head, "home_listing", home_listing)

    async def spa(request):
        return HTMLResponse(test_client.document, headers={"etag": '"static"'})

    test_client = TestClient(home_head.HomeFirstCoverMiddleware(Starlette(routes=[Route("/{path:path}", spa)])))
    test_client.shown, test_client.asked, test_client.document = shown, asked, SPA_DOCUMENT
    return test_client


def preloads(document: bytes) -> list[dict[str, str]]:
    return [found for tag, found in parse(document).tags if found.get("rel") == "preload"]


def test_the_home_page_preloads_its_first_cover_right_after_the_charset(client):
    client.shown[("en", 1)] = listing([card("a", '/api/media/a.webp?x="1"&y=2')])
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-cache"
    assert "etag" not in answer.headers  # a new document, not the static file
    assert preloads(answer.content) == [
        {"rel": "preload", "as": "image", "fetchpriority": "high", "href": '/api/media/a.webp?x="1"&y=2'}
    ]
    assert answer.content.startswith(SPA_DOCUMENT[: SPA_DOCUMENT.index(b"/>") + 2] + b'<link rel="preload"')


def painted_boxes(document: bytes) -> list[str]:
    return re.findall(
        r'<style>(#[\w-]+)\{background:url\("([^"]+)"\) center/cover no-repeat\}</style>', document.decode()
    )


def test_the_first_cover_is_painted_into_its_card_s_place_before_the_scripts_run(client):
    client.document = ROUTER_DOCUMENT
    newest, best = card("newest", "/api/media/new.webp"), card("best", "/api/media/best.webp")
    client.shown[("en", 1)] = listing([newest], [best])
    document = client.get("/").content
    # The best sellers sit above the newest: the first of them is the first card.
    assert painted_boxes(document) == [(f"#{home_head.POPULAR_FIRST_COVER_ID}", "/api/media/best.webp")]
    assert document.index(b"<style>#") < document.index(b"</head>")
    # The router's static imports became the deferred boot (storefront.first_paint).
    (bootstrap,) = re.findall(r'<script type="module" async="">(.*?)</script>', document.decode(), re.DOTALL)
    assert "requestAnimationFrame" in bootstrap
    assert not re.search(r"^import ", bootstrap, re.MULTILINE)
    assert b'rel="modulepreload"' not in document

    client.shown[("en", 1)] = listing([newest])
    assert painted_boxes(client.get("/").content) == [(f"#{home_head.NEWEST_FIRST_COVER_ID}", "/api/media/new.webp")]


def test_a_cover_address_that_would_break_out_of_css_is_only_preloaded(client):
    client.document = ROUTER_DOCUMENT
    client.shown[("en", 1)] = listing([card("a", '/api/media/a.webp");}body{display:none')])
    document = client.get("/").content
    assert painted_boxes(document) == []
    assert b"display:none" not in document.split(b"<body")[1]
    assert b"<style>" not in document


def test_the_page_number_and_language_pick_the_listing(client):
    client.shown[("en", 2)] = listing([card("b", "/api/media/b.webp")])
    assert preloads(client.get("/?page=2").content)[0]["href"] == "/api/media/b.webp"
    assert preloads(client.get("/?page=nonsense").content) == []
    assert client.asked == [("en", 2), ("en", 1)]


def test_no_cover_no_rewrite_and_other_pages_untouched(client):
    bare = client.get("/")
    assert bare.content == SPA_DOCUMENT
    assert bare.headers["etag"] == '"static"'  # the static file as it was
    client.shown[("en", 1)] = listing([card("a", "/api/media/a.webp")])
    other = client.get("/search")
    assert other.content == SPA_DOCUMENT
    assert client.asked == [("en", 1)]  # only the home page asks for the listing


def test_a_failing_listing_still_serves_the_page(client, monkeypatch):
    async def broken(lang, page):
        raise RuntimeError("database down")

    monkeypatch.setattr(home_head, "home_listing", broken)
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.content == SPA_DOCUMENT
