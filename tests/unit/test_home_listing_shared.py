"""Every tab of the home page shares one copy of what it lists, per language and page,
until the catalogue changes (a commit in this process) or the copy is half a minute old."""

from __future__ import annotations

import asyncio

import pytest

from commerce.catalog import shared_listings
from commerce.catalog.queries import HomeView
from commerce.kit.pagination import make_page
from state import home
from state.service_call import Result


@pytest.fixture
def asked(monkeypatch):
    """The services the home page calls, counting the calls to the catalogue."""
    calls: list[tuple[str, int]] = []

    async def call(fn, *args, **kwargs):
        if fn is home.queries.home_page:
            calls.append((kwargs["lang"], kwargs["page"]))
            page = make_page([f"card {kwargs['lang']} {len(calls)}"], kwargs["page"], 24, 1)
            return Result(value=HomeView(newest=page, categories=[]))
        return Result(value=[])

    monkeypatch.setattr(home.service_call, "call", call)
    monkeypatch.setattr(home, "_listings", {})
    return calls


def listing(lang: str = "en", page: int = 1) -> home._HomeListing:
    return asyncio.run(home.home_listing(lang, page))


def test_tabs_share_one_copy_per_language_and_page(asked):
    first = listing()
    assert listing() is first  # the same objects: no copy per tab, no query
    assert listing("de") is not first
    assert listing(page=2) is not first
    assert asked == [("en", 1), ("de", 1), ("en", 2)]


def test_a_catalogue_change_or_age_makes_the_copy_stale(asked, monkeypatch):
    first = listing()
    shared_listings._move_on()  # what a commit that changed products does
    second = listing()
    assert second is not first
    assert listing() is second
    now = home.time.monotonic()
    monkeypatch.setattr(home.time, "monotonic", lambda: now + shared_listings.MAX_AGE_SECONDS + 1)
    assert listing() is not second
    assert len(asked) == 3


def test_far_pages_are_not_kept(asked):
    listing(page=home.SHARED_PAGES + 1)
    listing(page=home.SHARED_PAGES + 1)
    assert len(asked) == 2
