"""Where the navbar's keystroke searches: the embedded engine on the event loop, an
engine over the network in a worker thread, the database (a unit of work in a thread)
only when the engine cannot answer."""

from __future__ import annotations

import asyncio

import pytest

from commerce.search import search_index
from commerce.search.port import SearchHit, SearchResult, SearchUnavailable
from state import search as search_state
from state.service_call import Result

HIT = SearchHit(
    id=1,
    title="Watercolor Textures",
    title_html="<mark>Water</mark>color Textures",
    summary_html="",
    category_slug="graphics",
    shop_slug="inkwell",
    shop_name="Inkwell",
    price_minor=500,
    currency="USD",
    rating=0,
    review_count=0,
    product_slug="watercolor-textures",
)


class Engine:
    def __init__(self, *, in_process: bool, down: bool = False):
        self.answers_in_process = in_process
        self.down = down

    def search(self, query):
        if self.down:
            raise SearchUnavailable("connection refused")
        return SearchResult(hits=[HIT], total=1)


@pytest.fixture
def hops(monkeypatch):
    """Records each thread hop and each unit of work the handler asks for."""
    seen: list[str] = []
    to_thread = asyncio.to_thread

    async def recording_to_thread(fn, *args, **kwargs):
        seen.append("thread")
        return await to_thread(fn, *args, **kwargs)

    async def database(fn, *args, **kwargs):
        seen.append("unit of work")
        return Result(value=[])

    monkeypatch.setattr(search_state.asyncio, "to_thread", recording_to_thread)
    monkeypatch.setattr(search_state.service_call, "call", database)
    return seen


def type_water(engine) -> list[str]:
    with search_index.plugged(lambda: engine):
        return [card.title for card in asyncio.run(search_state._quick_cards("water", ""))]


def test_the_embedded_engine_answers_on_the_event_loop_without_a_unit_of_work(hops):
    assert type_water(Engine(in_process=True)) == ["Watercolor Textures"]
    assert hops == []


def test_an_engine_over_the_network_is_asked_from_a_thread_without_a_unit_of_work(hops):
    assert type_water(Engine(in_process=False)) == ["Watercolor Textures"]
    assert hops == ["thread"]


def test_the_database_answers_when_the_engine_is_down(hops):
    assert type_water(Engine(in_process=True, down=True)) == []
    assert hops == ["unit of work"]
