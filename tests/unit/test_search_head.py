"""The search results page's served document shows its first results before the page's
scripts run, as the page lays them out, and starts those scripts after that first frame."""

from __future__ import annotations

import re

import pytest

from commerce.search.service import ResultCard, SearchPageView, SearchParams, TextPart
from storefront import search_head
from tests.fixtures.documents import ROUTER_DOCUMENT, parse
from tests.fixtures.first_screens import FirstScreenClient, first_screen

HOSTILE = 'Kit </script><img src=x onerror=alert(1)> "deluxe"'


def result(number: int, *, cover_url: str | None = "/api/media/covers/a.webp") -> ResultCard:
    return ResultCard(
        id=number,
        title=f"Ebook {number}",
        title_parts=[TextPart("Ebook", marked=True), TextPart(f" {number}")],
        summary_parts=[TextPart("A <b>bold</b> read & more")],
        url=f"/p/ink/ebook-{number}",
        cover_url=cover_url,
        shop_name="Ink <Press>",
        price_label="$5.00",
        category_name="E-books",
    )


def view(q: str, cards: list[ResultCard], *, degraded: bool = False) -> SearchPageView:
    return SearchPageView(
        params=SearchParams(q=q), cards=cards, total=len(cards) + 10, page=1, total_pages=2, degraded=degraded
    )


@pytest.fixture
def client(monkeypatch):
    client = FirstScreenClient(search_head.SearchFirstScreenMiddleware)
    monkeypatch.setattr(search_head, "first_results", client.read)
    return client


def test_the_first_results_are_in_the_document_with_the_scripts_started_after_them(client):
    client.answer = view("ebok", [result(n) for n in range(1, 9)])
    answer = client.get("/search?q=ebok&category=ebooks")
    assert answer.status_code == 200
    assert "etag" not in answer.headers  # a new document, not the static file
    screen = first_screen(answer.content)
    assert f'data-until="{search_head.APP_DRAWN}"' in screen
    parsed = parse(screen)
    text = " ".join(" ".join(parsed.texts).split())
    assert "Results for “ebok”" in text
    assert "18 products" in text
    links = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert links == [f"/p/ink/ebook-{n}" for n in range(1, search_head.RESULTS_SHOWN + 1)]
    # What the query matched is marked; a summary's own markup stays text.
    assert screen.count("<mark>Ebook</mark>") == search_head.RESULTS_SHOWN
    assert "A &lt;b&gt;bold&lt;/b&gt; read &amp; more" in screen
    assert "Ink &lt;Press&gt;" in screen
    (bootstrap,) = re.findall(r'<script type="module" async="">(.*?)</script>', answer.content.decode(), re.DOTALL)
    assert "requestAnimationFrame" in bootstrap
    (params, lang) = client.asked[0]
    assert (params.q, params.categories, lang) == ("ebok", ("ebooks",), "en")


def test_a_title_or_cover_address_stays_text_and_a_missing_cover_keeps_its_place(client):
    hostile = result(1, cover_url='/x.webp" onerror="alert(1)')
    hostile = ResultCard(**{**hostile.__dict__, "title": HOSTILE, "title_parts": [TextPart(HOSTILE)]})
    client.answer = view("kit", [hostile, result(2, cover_url=None)])
    parsed = parse(first_screen(client.get("/search/?q=kit").content))
    assert ("img", {"src": "x", "onerror": "alert(1)"}) not in parsed.tags
    images = [attrs for tag, attrs in parsed.tags if tag == "img"]
    assert [image["src"] for image in images] == ['/x.webp" onerror="alert(1)']
    assert "onerror" not in images[0]
    assert ("div", {"class": "fs-cover"}) in parsed.tags
    assert HOSTILE in " ".join(parsed.texts)


def test_no_query_is_headed_all_products(client):
    client.answer = view("", [result(1)])
    assert "All products" in " ".join(parse(first_screen(client.get("/search").content)).texts)


@pytest.mark.parametrize(
    "results",
    [None, view("zzz", []), view("ebook", [result(1)], degraded=True), RuntimeError("engine down")],
    ids=["refused", "no results", "simplified mode", "failing"],
)
def test_a_search_without_results_to_show_leaves_the_page_to_the_app(client, results):
    client.answer = results
    answer = client.get("/search?q=zzz")
    assert answer.status_code == 200
    assert answer.content == ROUTER_DOCUMENT
    assert answer.headers["etag"] == '"static"'


def test_other_pages_are_not_searched(client):
    client.answer = view("ebook", [result(1)])
    assert client.get("/searching?q=ebook").content == ROUTER_DOCUMENT
    client.post("/search?q=ebook")
    assert client.asked == []
