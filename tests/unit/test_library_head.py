"""The buyer's library's served document shows their first rows (or their empty library) before
the page's scripts run, only to the buyer the session cookie names, and never to a shared cache."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

import routes
from commerce.delivery.library import LibraryItem, LibraryView
from commerce.kit.pagination import make_page
from storefront import library_head
from tests.fixtures.documents import ROUTER_DOCUMENT, parse
from tests.fixtures.first_screens import FirstScreenClient, first_screen

HOSTILE = 'Kit </script><img src=x onerror=alert(1)> "deluxe"'


def item(number: int, **changes) -> LibraryItem:
    fields = dict(
        product_id=number,
        title=f"Brush pack {number}",
        shop_name="Ink <Press>",
        product_url=f"/p/ink/brush-{number}",
        library_url=f"/library/{number}",
        cover_url="/api/media/covers/a.webp",
        acquired_at=datetime(2026, 12, 1, tzinfo=UTC),
        acquired_label="Dec 1, 2026",
        order_reference=f"MP-{number}",
        receipt_url=f"/orders/MP-{number}",
        delivers_files=True,
        delivers_keys=False,
        latest_version_label="",
        updated=False,
        delivering=False,
    )
    return LibraryItem(**{**fields, **changes})


def view(items: list[LibraryItem], *, total: int | None = None) -> LibraryView:
    return LibraryView(
        page=make_page(items, 1, 20, len(items)), search="", total=len(items) if total is None else total, version=3
    )


@pytest.fixture
def client(monkeypatch):
    client = FirstScreenClient(
        library_head.LibraryFirstScreenMiddleware, cookies={routes.SESSION_COOKIE: "session-token"}
    )
    monkeypatch.setattr(library_head, "first_library_page", client.read)
    return client


def test_the_buyers_first_rows_are_in_a_private_document_with_the_scripts_started_after_them(client):
    client.answer = view(
        [item(1, updated=True, latest_version_label="2.0"), item(2, delivering=True, order_reference="")]
        + [item(n) for n in range(3, 12)]
    )
    answer = client.get("/library?q=brush&page=2")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "private, no-store"
    assert "etag" not in answer.headers  # a new document, not the static file
    screen = first_screen(answer.content)
    assert f'data-until="{library_head.APP_DRAWN}"' in screen
    parsed = parse(screen)
    text = " ".join(" ".join(parsed.texts).split())
    assert "Your library Search your library Brush pack 1 Updated Ink <Press>" in text
    assert "Bought Dec 1, 2026 · Version 2.0 Receipt Brush pack 2 Delivering…" in text
    titles = [attrs["href"] for tag, attrs in parsed.tags if tag == "a" and attrs.get("class") == "fs-title"]
    assert titles == [f"/library/{n}" for n in range(1, library_head.ROWS_SHOWN + 1)]
    receipts = [attrs["href"] for tag, attrs in parsed.tags if tag == "a" and "class" not in attrs]
    assert "/orders/MP-1" in receipts
    assert "/orders/MP-2" not in receipts  # no order, no receipt
    (bootstrap,) = re.findall(r'<script type="module" async="">(.*?)</script>', answer.content.decode(), re.DOTALL)
    assert "requestAnimationFrame" in bootstrap
    assert client.asked == [("session-token", "q=brush&page=2")]


def test_an_empty_library_shows_the_way_to_the_shop(client):
    client.answer = view([])
    text = " ".join(parse(first_screen(client.get("/library/").content)).texts)
    assert "Your library is empty" in text
    assert "Search your library" not in text
    action = ("a", {"class": "fs-action", "href": routes.HOME})
    assert action in parse(first_screen(client.get("/library").content)).tags


def test_a_title_or_cover_address_stays_text(client):
    client.answer = view([item(1, title=HOSTILE, cover_url='/x.webp" onerror="alert(1)', shop_name=HOSTILE)])
    parsed = parse(first_screen(client.get("/library").content))
    assert ("img", {"src": "x", "onerror": "alert(1)"}) not in parsed.tags
    images = [attrs for tag, attrs in parsed.tags if tag == "img"]
    assert [image["src"] for image in images] == ['/x.webp" onerror="alert(1)']
    assert " ".join(parsed.texts).count(HOSTILE) == 2


@pytest.mark.parametrize(
    "library",
    [None, view([], total=4), RuntimeError("database down")],
    ids=["no live session", "a search that matches nothing", "failing"],
)
def test_a_library_with_nothing_to_show_leaves_the_page_to_the_app(client, library):
    client.answer = library
    answer = client.get("/library?q=zzz")
    assert answer.status_code == 200
    assert answer.content == ROUTER_DOCUMENT
    assert answer.headers["etag"] == '"static"'


def test_without_a_session_cookie_nothing_is_read(client):
    client.answer = view([item(1)])
    client.cookies.clear()
    assert client.get("/library").content == ROUTER_DOCUMENT
    assert client.get("/library/1").content == ROUTER_DOCUMENT
    client.cookies.set(routes.SESSION_COOKIE, "session-token")
    assert client.get("/library/1").content == ROUTER_DOCUMENT  # one product: not this screen
    client.post("/library")
    assert client.asked == []
