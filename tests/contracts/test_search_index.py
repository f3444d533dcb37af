"""The SearchIndex contract, run against every engine that can run here.

The embedded tantivy engine always runs. Meilisearch runs when MEILI_URL (and
MEILI_MASTER_KEY, if the server has one) name a live server; each test uses its
own throwaway index there.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import pytest

from commerce.search.embedded import TantivySearchIndex
from commerce.search.port import (
    PRICE_BUCKETS,
    RATING_THRESHOLDS,
    SearchDocument,
    SearchIndex,
    SearchQuery,
)
from tests.fixtures.search import BY_ID, CATALOGUE


def embedded_engine(tmp_path) -> TantivySearchIndex:
    return TantivySearchIndex(tmp_path / "search-index")


def meili_engine(tmp_path):
    url = os.environ.get("MEILI_URL")
    if not url:
        pytest.skip("MEILI_URL not set: Meilisearch contract runs only against a live server")
    import meilisearch

    from commerce.search.meili import MeiliSearchIndex

    uid = f"test_products_{uuid.uuid4().hex[:10]}"
    engine = MeiliSearchIndex(url, os.environ.get("MEILI_MASTER_KEY"), index_uid=uid)
    engine.configure()
    client = meilisearch.Client(url, os.environ.get("MEILI_MASTER_KEY"))
    return engine, lambda: client.wait_for_task(client.delete_index(uid).task_uid)


@pytest.fixture(params=["embedded", "meilisearch"])
def engine(request, tmp_path) -> Iterator[SearchIndex]:
    drop = None
    if request.param == "embedded":
        index = embedded_engine(tmp_path)
    else:
        index, drop = meili_engine(tmp_path)
    try:
        index.upsert(CATALOGUE)
        yield index
    finally:
        if drop is not None:
            drop()


def ids(engine: SearchIndex, **query) -> list[int]:
    return [hit.id for hit in engine.search(SearchQuery(per_page=100, **query)).hits]


# -- matching -------------------------------------------------------------------


def test_satisfies_the_protocol_and_reports_healthy(engine):
    assert isinstance(engine, SearchIndex)
    assert engine.health() is True


def test_counts_its_documents(engine):
    assert engine.document_count() == len(CATALOGUE)
    engine.delete([CATALOGUE[0].id])
    assert engine.document_count() == len(CATALOGUE) - 1
    engine.clear()
    assert engine.document_count() == 0


def test_exact_word_finds_only_matching_products(engine):
    assert ids(engine, text="watercolor") == [3]
    assert ids(engine, text="landscape photography") == [1]


def test_last_word_matches_as_a_prefix_while_typing(engine):
    assert 1 in ids(engine, text="ebo")
    assert set(ids(engine, text="photog")) == {1, 7, 8}
    assert set(ids(engine, text="street photog")) == {8}


def test_only_the_last_word_is_a_prefix(engine):
    assert ids(engine, text="photog street") == []


def test_typos_are_forgiven_by_word_length(engine):
    # 6 letters: one typo; 10 letters: two typos.
    assert 1 in ids(engine, text="eboook")
    assert set(ids(engine, text="photografy")) == {1, 7, 8}
    assert ids(engine, text="watercolr") == [3]


def test_the_longer_word_sets_the_typo_budget(engine):
    # "ebok" has 4 letters but "ebook" has 5, so one typo (the missing letter) is
    # forgiven: a buyer typing on a phone finds the e-books. Meilisearch measures
    # only the query word, so its adapter allows one typo from 4 letters (see
    # commerce/search/meili.py SETTINGS); both engines pass this.
    assert 1 in ids(engine, text="ebok")
    assert 1 in ids(engine, text="ebok landscape")


def test_short_words_must_be_spelt_exactly(engine):
    # "sat" and "set" both have 3 letters: no typo allowed, so it does not find "set".
    assert ids(engine, text="sat") == []
    assert ids(engine, text="set") == [3]


def test_hyphenated_and_joined_spellings_find_each_other(engine):
    assert {1, 2} <= set(ids(engine, text="ebook"))
    assert {1, 2} <= set(ids(engine, text="e-book"))


def kinds_catalogue(engine: SearchIndex) -> None:
    """Products whose kind is only in their category's names, as in the demo shop."""
    engine.upsert(
        [
            replace(
                BY_ID[3],
                id=201,
                title="Notion Life Planner",
                summary="Goals and habits.",
                tags=(),
                category_slug="templates-productivity",
                category_name="Productivity templates",
                category_path=("Templates", "Productivity templates"),
            ),
            replace(
                BY_ID[3],
                id=202,
                title="Writing Better Docs",
                summary="A field guide.",
                tags=(),
                category_slug="ebooks",
                category_name="E-books",
                category_path=("E-books",),
            ),
            replace(
                BY_ID[3],
                id=203,
                title="Cinematic LUT Pack",
                summary="Color grading looks.",
                tags=(),
                category_slug="video",
                category_name="Video",
                category_path=("Video",),
            ),
        ]
    )


def test_category_names_are_searched_with_the_title_rules(engine):
    kinds_catalogue(engine)
    assert 201 in ids(engine, text="templates")
    assert 201 in ids(engine, text="template")  # singular of the category's "templates"
    assert 201 in ids(engine, text="tempalte")  # one swap in an 8-letter word
    assert 201 in ids(engine, text="productivity templ")  # the last word as a prefix
    assert 202 in ids(engine, text="ebok")  # "E-books" is also "ebook"
    assert 202 in ids(engine, text="ebooks")
    assert 202 in ids(engine, text="e-book")
    assert ids(engine, text="notion ebook") == []


def test_plurals_and_singulars_find_each_other(engine):
    kinds_catalogue(engine)
    assert {101, 102} <= set(ids(engine, text="templates"))  # "Lesson Planner Template …"
    assert {101, 102} <= set(ids(engine, text="planners lesson"))
    assert 3 in ids(engine, text="brushes")  # "Watercolor Brush Set"
    assert 203 in ids(engine, text="luts")


def test_synonyms_hold_in_both_numbers_and_one_way_for_pdf(engine):
    kinds_catalogue(engine)
    assert 203 in ids(engine, text="presets")  # lut / preset
    assert 203 in ids(engine, text="preset")
    assert 7 in ids(engine, text="luts")  # "Portrait Photography Presets"
    assert 202 in ids(engine, text="pdf")  # one way: pdf finds e-books
    assert 8 in ids(engine, text="tutorials")  # "Street Photography Course"


def test_a_search_without_facets_returns_the_same_hits_and_no_counts(engine):
    with_facets = engine.search(SearchQuery(text="photography"))
    without = engine.search(SearchQuery(text="photography", facets=False))
    assert [hit.id for hit in without.hits] == [hit.id for hit in with_facets.hits]
    assert without.total == with_facets.total
    assert without.facets == {}
    assert with_facets.facets["category"]


def test_hits_carry_what_a_result_card_shows(engine):
    engine.upsert(
        [
            replace(
                BY_ID[3],
                id=204,
                title="Minimal Resume Template",
                category_name="Design templates",
                product_slug="minimal-resume-template",
                cover_key="media/covers/resume.webp",
                pricing="pwyw",
            )
        ]
    )
    [hit] = engine.search(SearchQuery(text="resume", facets=False)).hits
    assert (hit.product_slug, hit.cover_key, hit.pricing, hit.category_name, hit.shop_slug) == (
        "minimal-resume-template",
        "media/covers/resume.webp",
        "pwyw",
        "Design templates",
        BY_ID[3].shop_slug,
    )


def test_title_match_outranks_description_match(engine):
    found = ids(engine, text="origami")
    assert found[0] == 4
    assert 5 in found


def test_every_word_must_match(engine):
    assert ids(engine, text="photography cooking") == []


def test_empty_text_lists_everything_best_sellers_first(engine):
    found = ids(engine)
    assert len(found) == len(CATALOGUE)
    assert found == [doc.id for doc in sorted(CATALOGUE, key=lambda d: -d.sales_count)]


# -- filters and facets -----------------------------------------------------------


def expected_facets(docs: list[SearchDocument]) -> dict[str, list[tuple[str, int]]]:
    def ranked(counter: Counter) -> list[tuple[str, int]]:
        return sorted(counter.items(), key=lambda item: (-item[1], item[0]))

    return {
        "category": ranked(Counter(doc.category_slug for doc in docs)),
        "tags": ranked(Counter(tag for doc in docs for tag in doc.tags)),
        "price_range": [(bucket.key, sum(bucket.contains(doc.price_sort) for doc in docs)) for bucket in PRICE_BUCKETS],
        "rating": [(str(stars), sum(doc.rating >= stars for doc in docs)) for stars in RATING_THRESHOLDS],
    }


def test_facets_count_the_whole_matching_set_not_just_the_page(engine):
    result = engine.search(SearchQuery(per_page=2))
    assert len(result.hits) == 2
    assert result.total == len(CATALOGUE)
    assert result.facets == expected_facets(CATALOGUE)


def test_category_filter_narrows_results_and_facet_counts(engine):
    result = engine.search(SearchQuery(categories=("ebooks",), per_page=100))
    ebooks = [doc for doc in CATALOGUE if doc.category_slug == "ebooks"]
    assert {hit.id for hit in result.hits} == {doc.id for doc in ebooks}
    assert result.total == len(ebooks)
    assert result.facets == expected_facets(ebooks)


def test_several_categories_are_alternatives(engine):
    assert set(ids(engine, categories=("design", "courses"))) == {3, 4, 7, 8}


def test_several_tags_must_all_be_present(engine):
    assert ids(engine, tags=("photography", "lightroom")) == [7]
    assert set(ids(engine, tags=("photography",))) == {1, 7, 8}


def test_text_and_filters_combine_with_facets_of_the_text_matches(engine):
    result = engine.search(SearchQuery(text="photography", categories=("courses",)))
    assert [hit.id for hit in result.hits] == [8]
    assert result.facets == expected_facets([BY_ID[8]])


def test_price_range_filter_uses_usd_cents_bounds(engine):
    bucket = next(b for b in PRICE_BUCKETS if b.key == "5_20")
    low, high = bucket.filter_bounds
    found = set(ids(engine, price_min=low, price_max=high))
    assert found == {doc.id for doc in CATALOGUE if bucket.contains(doc.price_sort)}
    assert found == {1, 2, 7, 102, 103, 104, 105, 106}
    assert set(ids(engine, price_min=4900, price_max=4900)) == {4}


def test_min_rating_filter(engine):
    assert set(ids(engine, min_rating=4.0)) == {doc.id for doc in CATALOGUE if doc.rating >= 4.0}


def test_filter_values_cannot_inject_conditions(engine):
    sneaky = 'ebooks" OR category_slug = "design'
    assert ids(engine, categories=(sneaky,)) == []
    assert ids(engine, tags=('crafts" OR tags = "planner',)) == []


# -- sorting and paging -----------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("newest", lambda doc: -doc.published_at.timestamp()),
        ("price_asc", lambda doc: doc.price_sort),
        ("price_desc", lambda doc: -doc.price_sort),
        ("popular", lambda doc: -doc.sales_count),
    ],
)
def test_sort_orders(engine, sort, key):
    assert ids(engine, sort=sort) == [doc.id for doc in sorted(CATALOGUE, key=key)]
    photography = [doc for doc in CATALOGUE if "photography" in doc.tags]
    assert ids(engine, text="photography", sort=sort) == [doc.id for doc in sorted(photography, key=key)]


def test_top_rated_first(engine):
    photography = [doc for doc in CATALOGUE if "photography" in doc.tags]
    assert len({doc.rating for doc in photography}) == len(photography)  # no ties to order
    assert ids(engine, text="photography", sort="rating") == [
        doc.id for doc in sorted(photography, key=lambda doc: -doc.rating)
    ]
    best = sorted(CATALOGUE, key=lambda doc: -doc.rating)[:3]
    assert ids(engine, sort="rating")[:3] == [doc.id for doc in best]


def test_pages_split_the_results_without_overlap(engine):
    pages = [engine.search(SearchQuery(text="planner", page=n, per_page=3)) for n in (1, 2, 3, 4)]
    assert [len(page.hits) for page in pages] == [3, 3, 1, 0]
    assert all(page.total == 7 for page in pages)
    assert pages[0].total_pages == 3
    seen = [hit.id for page in pages for hit in page.hits]
    assert sorted(seen) == list(range(100, 107))


# -- writes ---------------------------------------------------------------------------


def test_delete_makes_documents_disappear(engine):
    engine.delete([3, 101])
    assert ids(engine, text="watercolor") == []
    assert engine.search(SearchQuery()).total == len(CATALOGUE) - 2
    assert 101 not in ids(engine, text="planner")


def test_upsert_replaces_a_document(engine):
    engine.upsert([replace(BY_ID[3], title="Gouache Brush Set", summary="Thick paint.", tags=("gouache",))])
    assert ids(engine, text="watercolor") == []
    assert ids(engine, text="gouache") == [3]
    assert engine.search(SearchQuery()).total == len(CATALOGUE)
    assert ("gouache", 1) in engine.search(SearchQuery()).facets["tags"]


def test_clear_empties_the_index(engine):
    engine.clear()
    assert engine.search(SearchQuery()).total == 0
    engine.upsert([BY_ID[1]])
    assert ids(engine) == [1]


# -- output safety --------------------------------------------------------------------


def test_highlights_mark_matches(engine):
    hit = engine.search(SearchQuery(text="landscape")).hits[0]
    assert hit.id == 1
    assert hit.title == "Ebook of Landscape Photography"
    assert hit.title_html == "Ebook of <mark>Landscape</mark> Photography"
    assert hit.summary_html == "Shoot <mark>landscape</mark> photography at golden hour."


def test_highlights_escape_html_in_product_text(engine):
    hit = engine.search(SearchQuery(text="security")).hits[0]
    assert hit.id == 6
    assert hit.title == "<script>alert('x')</script> Security Guide"
    assert hit.title_html == ("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; <mark>Security</mark> Guide")
    marked = engine.search(SearchQuery(text="script")).hits[0].title_html
    assert "<script>" not in marked
    assert "&lt;<mark>script</mark>&gt;" in marked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('title:"foo" AND (bar OR', []),
        ('"landscape photography"', [1]),
        ("landscape* (photography)", [1]),
        ("{watercolor} [brush]", [3]),
        ("photography'; DROP TABLE products; --", []),
        ('\\ / { } [ ] ( ) ! ? : + ~ ^ * && || "', sorted(BY_ID)),
    ],
)
def test_query_syntax_characters_are_plain_text(engine, text, expected):
    assert sorted(ids(engine, text=text)) == expected


# -- the embedded engine's own promises ------------------------------------------------


def test_embedded_forgives_no_typo_between_two_short_words(tmp_path):
    # The exact rule (port.typo_budget): "sett" and "set" are both under 5 letters,
    # so they do not match. Meilisearch, measuring only the query word with a
    # threshold of 4, is more lenient here, hence an embedded-only test.
    index = embedded_engine(tmp_path)
    index.upsert(CATALOGUE)
    assert ids(index, text="sett") == []
    assert ids(index, text="sett brush") == []
    # ...while a 4-letter word one letter short of a 5-letter word finds it.
    assert ids(index, text="brsh set") == [3]


def test_embedded_highlights_a_word_found_through_its_length(tmp_path):
    index = embedded_engine(tmp_path)
    index.upsert(CATALOGUE)
    hit = next(hit for hit in index.search(SearchQuery(text="ebok")).hits if hit.id == 1)
    assert hit.title_html == "<mark>Ebook</mark> of Landscape Photography"


def test_embedded_index_persists_in_its_folder(tmp_path):
    embedded_engine(tmp_path).upsert(CATALOGUE)
    reopened = embedded_engine(tmp_path)
    assert reopened.search(SearchQuery()).total == len(CATALOGUE)
    assert ids(reopened, text="watercolor") == [3]


def test_embedded_index_with_an_old_layout_starts_empty_and_works(tmp_path):
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("legacy", stored=True)
    folder = tmp_path / "search-index"
    folder.mkdir()
    tantivy.Index(builder.build(), path=str(folder))

    index = embedded_engine(tmp_path)
    assert index.search(SearchQuery()).total == 0
    index.upsert(CATALOGUE)
    assert ids(index, text="watercolor") == [3]


def test_embedded_searches_run_safely_while_one_writer_commits(tmp_path):
    index = embedded_engine(tmp_path)
    index.upsert(CATALOGUE)
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                result = index.search(SearchQuery(text="photography"))
                assert {1, 7, 8} <= {hit.id for hit in result.hits}
            except BaseException as error:  # reported to the main thread below
                errors.append(error)
                return

    readers = [threading.Thread(target=keep_searching) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for n in range(20):
            index.upsert([replace(BY_ID[2], id=1000 + n, title=f"Extra book {n}")])
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert errors == []
    assert index.search(SearchQuery(text="extra")).total == 20


def test_a_search_without_summaries_highlights_titles_only(engine):
    [hit] = engine.search(SearchQuery(text="watercolor", summaries=False)).hits
    assert "<mark>" in hit.title_html
    assert hit.summary_html == ""


def test_translations_find_the_product_and_show_in_the_buyers_language(engine):
    translated = replace(
        BY_ID[3],
        translations=(
            ("ja", "水彩テクスチャ集", "紙にのせた水彩の質感"),
            ("de", "Aquarell-Texturen", ""),
        ),
    )
    engine.upsert([translated])

    # Japanese has no spaces: a word inside the title finds it, as does a word being typed.
    for text in ("水彩テクスチャ集", "テクスチャ", "質感", "水彩 テク", "aquarell"):
        assert ids(engine, text=text) == [3], text
    [hit] = engine.search(SearchQuery(text="テクスチャ", lang="ja")).hits
    assert hit.title == "水彩テクスチャ集"
    assert "<mark>テクスチャ</mark>" in hit.title_html
    assert "質感" in hit.summary_html
    # A translated title without a summary keeps the original summary.
    [german] = engine.search(SearchQuery(text="aquarell", lang="de")).hits
    assert (german.title, german.summary_html) == ("Aquarell-Texturen", BY_ID[3].summary)
    # Buyers of a language without a translation read the original.
    [original] = engine.search(SearchQuery(text="テクスチャ", lang="fr")).hits
    assert original.title == BY_ID[3].title
