"""The Meilisearch adapter's HTTP requests and response handling, without a server.

The official client speaks HTTP through `requests`; `responses` stands in for the
server, so each test pins the method, path and JSON body the adapter sends.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
import responses

from commerce.search.meili import MARK_CLOSE, MARK_OPEN, SETTINGS, MeiliSearchIndex
from commerce.search.port import SearchDocument, SearchError, SearchQuery, SearchUnavailable

URL = "http://meili.test"
INDEX = f"{URL}/indexes/products"


def task_info(uid: int) -> dict:
    return {
        "taskUid": uid,
        "indexUid": "products",
        "status": "enqueued",
        "type": "documentAdditionOrUpdate",
        "enqueuedAt": "2024-05-01T10:00:00.123456Z",
    }


def task(uid: int, status: str = "succeeded", error: dict | None = None) -> dict:
    return {
        "uid": uid,
        "indexUid": "products",
        "status": status,
        "type": "documentAdditionOrUpdate",
        "error": error,
        "enqueuedAt": "2024-05-01T10:00:00.123456Z",
    }


def document(doc_id: int, **changes) -> SearchDocument:
    fields = dict(
        id=doc_id,
        title=f"Guide {doc_id}",
        summary="A summary",
        description="Plain text",
        tags=("Photography", "travel"),
        category_slug="ebooks",
        category_name="E-books",
        shop_slug="studio",
        shop_name="Studio",
        price_minor=1500,
        currency="EUR",
        price_sort=1620,
        rating=4.5,
        review_count=12,
        sales_count=30,
        published_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
    )
    fields.update(changes)
    return SearchDocument(**fields)


def body(call) -> object:
    return json.loads(call.request.body)


@pytest.fixture
def server():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def index() -> MeiliSearchIndex:
    return MeiliSearchIndex(URL, "master-key")


def test_configure_patches_the_settings_and_waits_for_them(server, index):
    server.patch(f"{INDEX}/settings", json=task_info(7), status=202)
    server.get(f"{URL}/tasks/7", json=task(7))

    index.configure()

    sent = body(server.calls[0])
    assert sent == SETTINGS
    assert sent["searchableAttributes"] == [
        "title",
        "translated_titles",
        "tags",
        "kinds",
        "summary",
        "translated_summaries",
        "description",
        "shop_name",
        "forms",
    ]
    # Japanese translations are segmented as Japanese, whatever script detection would guess.
    assert {"attributePatterns": ["translated_titles.ja", "translated_summaries.ja"], "locales": ["jpn"]} in sent[
        "localizedAttributes"
    ]
    # One under the port's 5: Meilisearch measures only the query word (see SETTINGS).
    assert sent["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 4, "twoTypos": 9}
    filterable = set(sent["filterableAttributes"])
    assert {"category_slug", "tags", "price_sort", "rating", "id"} <= filterable
    assert set(sent["sortableAttributes"]) == {"published_ts", "price_sort", "sales_count", "rating"}
    assert set(sent["synonyms"]["ebook"]) == {"ebooks", "e-book", "e-books"}
    assert set(sent["synonyms"]["e-books"]) == {"ebook", "ebooks", "e-book"}
    assert set(sent["synonyms"]["presets"]) == {"preset", "lut", "luts"}
    # One way: "pdf" finds e-books, "ebook" does not find every PDF.
    assert set(sent["synonyms"]["pdf"]) == {"ebook", "ebooks"}
    assert all("pdf" not in others for others in sent["synonyms"].values())
    assert {"category_name", "product_slug", "cover_key", "pricing"} <= set(sent["displayedAttributes"])
    assert server.calls[0].request.headers["Authorization"] == "Bearer master-key"


def test_upsert_sends_batches_of_documents_and_waits_for_each(server, index):
    for uid in (1, 2, 3):
        server.post(f"{INDEX}/documents", json=task_info(uid), status=202)
        server.get(f"{URL}/tasks/{uid}", json=task(uid))

    index.upsert([document(n) for n in range(1, 2501)])

    posts = [call for call in server.calls if call.request.method == "POST"]
    assert [len(body(call)) for call in posts] == [1000, 1000, 500]
    assert all("primaryKey=id" in call.request.url for call in posts)
    first = body(posts[0])[0]
    assert first == {
        "id": 1,
        "title": "Guide 1",
        "summary": "A summary",
        "description": "Plain text",
        "tags": ["photography", "travel"],
        "category_slug": "ebooks",
        "category_name": "E-books",
        "shop_slug": "studio",
        "shop_name": "Studio",
        "price_minor": 1500,
        "currency": "EUR",
        "price_sort": 1620,
        "price_bucket": "5_20",
        "rating": 4.5,
        "rating_floor": 4,
        "review_count": 12,
        "sales_count": 30,
        "published_at": "2024-05-01T12:00:00+00:00",
        "published_ts": 1714564800,
        "kinds": [],
        "forms": "guides summaries photographies travels",
        "product_slug": "",
        "cover_key": None,
        "pricing": "fixed",
        "translated_titles": {},
        "translated_summaries": {},
    }


def test_documents_carry_the_category_path_and_the_other_number_of_their_words(server, index):
    server.post(f"{INDEX}/documents", json=task_info(1), status=202)
    server.get(f"{URL}/tasks/1", json=task(1))

    index.upsert(
        [
            document(
                1,
                title="Minimal Resume Template",
                category_slug="templates-design",
                category_name="Design templates",
                category_path=("Templates", "Design templates"),
                product_slug="minimal-resume-template",
                cover_key="media/covers/x.webp",
                pricing="pwyw",
            )
        ]
    )

    sent = body(server.calls[0])[0]
    assert sent["kinds"] == ["Templates", "Design templates"]
    forms = sent["forms"].split()
    # "templates" finds the title's "Template", "template" the category "Templates".
    assert {"templates", "template", "resumes"} <= set(forms)
    assert (sent["product_slug"], sent["cover_key"], sent["pricing"]) == (
        "minimal-resume-template",
        "media/covers/x.webp",
        "pwyw",
    )


def test_upsert_removes_highlight_markers_from_product_text(server, index):
    server.post(f"{INDEX}/documents", json=task_info(1), status=202)
    server.get(f"{URL}/tasks/1", json=task(1))

    index.upsert([document(1, title=f"Fake {MARK_OPEN}mark{MARK_CLOSE}")])

    assert body(server.calls[0])[0]["title"] == "Fake mark"


def test_a_failed_task_raises(server, index):
    server.post(f"{INDEX}/documents", json=task_info(4), status=202)
    server.get(
        f"{URL}/tasks/4",
        json=task(4, "failed", {"code": "invalid_document_id", "message": "bad id"}),
    )

    with pytest.raises(SearchError, match="invalid_document_id"):
        index.upsert([document(1)])


def test_delete_filters_by_id(server, index):
    server.post(f"{INDEX}/documents/delete", json=task_info(5), status=202)
    server.get(f"{URL}/tasks/5", json=task(5))

    index.delete([3, 42])

    assert body(server.calls[0]) == {"filter": "id IN [3, 42]"}


def test_clear_deletes_all_documents(server, index):
    server.delete(f"{INDEX}/documents", json=task_info(6), status=202)
    server.get(f"{URL}/tasks/6", json=task(6))

    index.clear()

    assert server.calls[0].request.method == "DELETE"


SEARCH_RESPONSE = {
    "hits": [
        {
            "id": 9,
            "title": "<script>x</script> Photo Guide",
            "summary": "Photos & more",
            "category_slug": "ebooks",
            "shop_slug": "studio",
            "shop_name": "Studio",
            "price_minor": 900,
            "currency": "USD",
            "rating": 4.2,
            "review_count": 3,
            "_formatted": {
                "title": f"<script>x</script> {MARK_OPEN}Photo{MARK_CLOSE} Guide",
                "summary": f"{MARK_OPEN}Photo{MARK_CLOSE}s & more",
            },
        }
    ],
    "query": "photo",
    "processingTimeMs": 1,
    "hitsPerPage": 24,
    "page": 2,
    "totalPages": 3,
    "totalHits": 51,
    "facetDistribution": {
        "category_slug": {"ebooks": 30, "design": 21},
        "tags": {"travel": 5, "photography": 40, "art": 5},
        "price_bucket": {"under_5": 10, "50_plus": 41},
        "rating_floor": {"0": 11, "3": 20, "4": 15, "5": 5},
    },
}


def test_search_sends_text_filters_sort_facets_and_highlight_tags(server, index):
    server.post(f"{INDEX}/search", json=SEARCH_RESPONSE)

    index.search(
        SearchQuery(
            text='photo "guide',
            categories=("ebooks", 'x" OR id > 0 OR category_slug = "y'),
            tags=("Photography", "travel"),
            price_min=500,
            price_max=1999,
            min_rating=4,
            sort="price_asc",
            page=2,
        )
    )

    sent = body(server.calls[0])
    assert sent == {
        "q": 'photo "guide',
        "page": 2,
        "hitsPerPage": 24,
        "matchingStrategy": "all",
        "filter": [
            'category_slug IN ["ebooks", "x\\" OR id > 0 OR category_slug = \\"y"]',
            'tags = "photography"',
            'tags = "travel"',
            "price_sort >= 500",
            "price_sort <= 1999",
            "rating >= 4.0",
        ],
        "sort": ["price_sort:asc"],
        "facets": ["category_slug", "tags", "price_bucket", "rating_floor"],
        "attributesToHighlight": ["title", "summary"],
        "highlightPreTag": MARK_OPEN,
        "highlightPostTag": MARK_CLOSE,
    }


def test_a_search_without_facets_asks_for_none(server, index):
    server.post(f"{INDEX}/search", json={**SEARCH_RESPONSE, "facetDistribution": {}})

    result = index.search(SearchQuery(text="photo", facets=False, summaries=False))

    sent = body(server.calls[0])
    assert "facets" not in sent
    assert sent["attributesToHighlight"] == ["title"]
    assert result.facets == {}
    assert result.hits[0].summary_html == ""
    assert [hit.id for hit in result.hits] == [9]


def test_a_buyers_language_brings_the_products_translation(server, index):
    translated = {
        "translated_titles": {"ja": "写真ガイド", "de": "Fotoratgeber"},
        "translated_summaries": {"ja": "写真など"},
        "_formatted": {
            "title": "Photo Guide",
            "summary": "Photos & more",
            "translated_titles": {"ja": f"{MARK_OPEN}写真{MARK_CLOSE}ガイド", "de": "Fotoratgeber"},
            "translated_summaries": {"ja": f"{MARK_OPEN}写真{MARK_CLOSE}など"},
        },
    }
    hit = {**SEARCH_RESPONSE["hits"][0], **translated}
    server.post(f"{INDEX}/search", json={**SEARCH_RESPONSE, "hits": [hit]})
    server.post(f"{INDEX}/search", json={**SEARCH_RESPONSE, "hits": [hit]})

    [japanese] = index.search(SearchQuery(text="写真", lang="ja")).hits
    [french] = index.search(SearchQuery(text="写真", lang="fr")).hits

    sent = body(server.calls[0])
    # Kanji alone would read as Chinese: the query is segmented as Japanese.
    assert sent["locales"] == ["jpn"]
    assert sent["attributesToHighlight"] == ["title", "summary", "translated_titles", "translated_summaries"]
    assert (japanese.title, japanese.title_html, japanese.summary_html) == (
        "写真ガイド",
        "<mark>写真</mark>ガイド",
        "<mark>写真</mark>など",
    )
    # No French translation: the original texts.
    assert (french.title, french.summary_html) == ("<script>x</script> Photo Guide", "Photos &amp; more")


def test_search_without_filters_or_sort_sends_neither(server, index):
    server.post(f"{INDEX}/search", json=SEARCH_RESPONSE)

    index.search(SearchQuery(text="photo"))

    sent = body(server.calls[0])
    assert "filter" not in sent
    assert "sort" not in sent


def test_filter_values_escape_backslashes_before_quotes(server, index):
    server.post(f"{INDEX}/search", json=SEARCH_RESPONSE)

    index.search(SearchQuery(tags=('a\\" OR x',)))

    assert body(server.calls[0])["filter"] == ['tags = "a\\\\\\" or x"']


def test_search_response_becomes_a_search_result(server, index):
    server.post(f"{INDEX}/search", json=SEARCH_RESPONSE)

    result = index.search(SearchQuery(text="photo", page=2))

    assert result.total == 51
    assert result.page == 2
    assert result.total_pages == 3
    [hit] = result.hits
    assert hit.id == 9
    assert hit.title == "<script>x</script> Photo Guide"
    assert hit.title_html == "&lt;script&gt;x&lt;/script&gt; <mark>Photo</mark> Guide"
    assert hit.summary_html == "<mark>Photo</mark>s &amp; more"
    assert result.facets == {
        "category": [("ebooks", 30), ("design", 21)],
        "tags": [("photography", 40), ("art", 5), ("travel", 5)],
        "price_range": [("under_5", 10), ("5_20", 0), ("20_50", 0), ("50_plus", 41)],
        "rating": [("4", 20), ("3", 40), ("2", 40), ("1", 40)],
    }


def test_unreachable_server_raises_search_unavailable(index):
    with responses.RequestsMock() as server:
        server.post(f"{INDEX}/search", body=requests.ConnectionError("refused"))
        with pytest.raises(SearchUnavailable):
            index.search(SearchQuery(text="photo"))


@pytest.mark.parametrize(
    ("status", "code", "raised"),
    [
        (503, "internal", SearchUnavailable),
        (404, "index_not_found", SearchUnavailable),
        (400, "invalid_search_filter", SearchError),
    ],
)
def test_server_errors_map_to_search_errors(server, index, status, code, raised):
    server.post(
        f"{INDEX}/search",
        json={"message": "nope", "code": code, "type": "invalid_request", "link": "x"},
        status=status,
    )
    with pytest.raises(raised) as caught:
        index.search(SearchQuery(text="photo"))
    assert (caught.type is SearchUnavailable) == (raised is SearchUnavailable)


def test_health_reflects_the_health_endpoint(index):
    with responses.RequestsMock() as server:
        server.get(f"{URL}/health", json={"status": "available"})
        assert index.health() is True
    with responses.RequestsMock() as server:
        server.get(f"{URL}/health", body=requests.ConnectionError("refused"))
        assert index.health() is False
