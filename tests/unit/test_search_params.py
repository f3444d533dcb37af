"""The search page's URL parameters and highlighted text parts (pure)."""

from __future__ import annotations

from commerce.search.service import SearchParams, TextPart, marked_parts


def test_parameters_round_trip_through_the_url():
    params = SearchParams(
        q="python ebook",
        categories=("ebooks", "courses"),
        tags=("python",),
        price="5_20",
        rating=4,
        sort="price_asc",
        page=3,
    )
    assert SearchParams.from_query_string(params.query_string()) == params
    assert params.url() == (
        "/search?q=python+ebook&category=ebooks&category=courses&tag=python&price=5_20&rating=4&sort=price_asc&page=3"
    )


def test_bad_values_are_dropped_not_errors():
    params = SearchParams.from_query_string(
        "q=%20a%20%20b%20&price=cheap&rating=7&sort=random&page=-2&category=&tag=X&tag=x"
    )
    assert params == SearchParams(q="a b", tags=("x",))
    assert SearchParams.from_query_string("page=99999999").page == 10_000 // 24
    assert len(SearchParams.from_query_string("q=" + "w" * 500).q) == 200


def test_changing_a_filter_toggles_it_and_returns_to_page_one():
    params = SearchParams(q="font", categories=("fonts",), page=4)
    assert params.with_category("fonts") == SearchParams(q="font")
    assert params.with_category("icons").categories == ("fonts", "icons")
    assert params.with_price("under_5").with_price("under_5").price == ""
    assert params.with_sort("newest").page == 1
    assert params.with_page(2).categories == ("fonts",)


def test_marked_snippets_become_text_parts_without_html():
    html = "&lt;b&gt;Bold&lt;/b&gt; <mark>Ebook</mark> &amp; <mark>co</mark>"
    assert marked_parts(html) == [
        TextPart("<b>Bold</b> "),
        TextPart("Ebook", marked=True),
        TextPart(" & "),
        TextPart("co", marked=True),
    ]
    assert marked_parts("plain") == [TextPart("plain")]
    assert marked_parts("") == []
