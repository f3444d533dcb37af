"""Sellers' translations of a product, on both databases: the studio saves them under the
original's rules, buyers read their language (or the original), search finds a product by
any translation, and crawlers read the translation at the page's `?lang=` address."""

from __future__ import annotations

import pytest
from sqlmodel import select

from commerce.catalog import products, translations
from commerce.catalog.queries import product_page, shop_page
from commerce.errors import NotFound, PermissionDenied, ValidationError
from commerce.models import Product, ProductTranslation
from commerce.moderation import checks, queue
from commerce.search import service
from commerce.search.embedded import TantivySearchIndex
from commerce.search.indexer import reindex_dirty
from commerce.search.port import SearchQuery, SearchUnavailable
from commerce.search.service import SearchParams
from commerce.seo.head import page_head
from tests.fixtures.catalog import live_product, make_admin, make_seller, new_product, publishable_product

JAPANESE_TITLE = "写真編集のためのプリセット集"


@pytest.fixture
def index(tmp_path) -> TantivySearchIndex:
    return TantivySearchIndex(tmp_path / "index")


def reindex(s, index) -> None:
    s.flush()
    reindex_dirty(index)
    s.expire_all()


def translate(s, seller, product_id, lang="ja", title=JAPANESE_TITLE, summary="", description=""):
    return translations.save_translation(
        s, seller, product_id, lang=lang, title=title, summary=summary, description=description
    )


@pytest.fixture
def listed(s):
    seller, admin = make_seller(s), make_admin(s)
    view = live_product(s, seller, admin, title="Lightroom Presets for Travel Photos")
    products.update_product(
        s,
        seller,
        view.id,
        summary="Forty presets for warm travel pictures.",
        description="## What you get\n\nForty presets.",
    )
    return seller, admin, view


def test_the_editor_lists_every_language_and_what_the_seller_saved(s, listed):
    seller, _, view = listed
    editor = translate(s, seller, view.id, summary="旅行写真のための暖かいプリセット40種。")

    by_lang = {t.lang: t for t in editor.translations}
    assert list(by_lang) == ["de", "fr", "es", "ja", "ar"]
    assert [t.language for t in editor.translations] == ["Deutsch", "Français", "Español", "日本語", "العربية"]
    assert (by_lang["ar"].dir, by_lang["de"].dir) == ("rtl", "ltr")
    assert (by_lang["ja"].saved, by_lang["ja"].title) == (True, JAPANESE_TITLE)
    assert not by_lang["de"].saved

    # Saving the language again replaces its texts; removing it leaves the others.
    translate(s, seller, view.id, title="  Reise-Presets  für  Lightroom ", lang="de")
    editor = translate(s, seller, view.id, title="写真プリセット集")
    by_lang = {t.lang: t for t in editor.translations}
    assert (by_lang["ja"].title, by_lang["ja"].summary) == ("写真プリセット集", "")
    assert by_lang["de"].title == "Reise-Presets für Lightroom"
    editor = translations.remove_translation(s, seller, view.id, "ja")
    assert [t.lang for t in editor.translations if t.saved] == ["de"]
    assert s.exec(select(ProductTranslation)).all()[0].lang == "de"


def test_only_the_products_seller_may_translate_it(s, listed):
    _, admin, view = listed
    stranger = make_seller(s, "otter")
    with pytest.raises(PermissionDenied):
        translate(s, stranger, view.id)
    with pytest.raises(PermissionDenied):
        translations.remove_translation(s, admin, view.id, "ja")
    assert s.exec(select(ProductTranslation)).all() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lang": "en"}, "lang"),
        ({"lang": "xx"}, "lang"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"title": "bad\x00title"}, "title"),
        ({"summary": "s" * 281}, "summary"),
        ({"description": "d" * 100_001}, "description"),
        ({"description": "bell\x07"}, "description"),
    ],
)
def test_translations_keep_the_originals_limits(s, listed, changes, field):
    seller, _, view = listed
    with pytest.raises(ValidationError) as refused:
        translate(s, seller, view.id, **changes)
    assert refused.value.field == field
    assert s.exec(select(ProductTranslation)).all() == []


def test_buyers_read_their_language_with_the_original_at_hand(s, listed):
    seller, _, view = listed
    translate(
        s,
        seller,
        view.id,
        title="Reise-Presets für Lightroom",
        summary="Vierzig Presets für warme Reisefotos.",
        description="# Reise-Presets für Lightroom\n\nVierzig Presets. <script>alert(1)</script>",
        lang="de",
    )

    page = product_page(s, "inkwell", view.slug, lang="de")
    assert (page.lang, page.title, page.summary) == (
        "de",
        "Reise-Presets für Lightroom",
        "Vierzig Presets für warme Reisefotos.",
    )
    # Rendered like the original: no script, and no heading repeating the title.
    assert page.description_html == "<p>Vierzig Presets. &lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    assert page.meta_description == "Vierzig Presets für warme Reisefotos."
    assert page.original is not None
    assert page.original.title == "Lightroom Presets for Travel Photos"
    assert "Forty presets." in page.original.description_html

    # No translation into the buyer's language (or none asked for): the original alone.
    for lang in ("fr", None, "en", "../de"):
        page = product_page(s, "inkwell", view.slug, lang=lang)
        assert (page.lang, page.title, page.original) == ("", "Lightroom Presets for Travel Photos", None)


def test_an_untranslated_summary_or_description_shows_the_originals(s, listed):
    seller, _, view = listed
    translate(s, seller, view.id)
    page = product_page(s, "inkwell", view.slug, lang="ja")
    assert page.title == JAPANESE_TITLE
    assert page.summary == "Forty presets for warm travel pictures."
    assert "Forty presets." in page.description_html


def test_shop_cards_show_the_translated_title(s, listed):
    seller, _, view = listed
    translate(s, seller, view.id, summary="旅行写真のための暖かいプリセット40種。")
    [card] = shop_page(s, "inkwell", lang="ja").products.items
    assert (card.title, card.summary) == (JAPANESE_TITLE, "旅行写真のための暖かいプリセット40種。")
    [card] = shop_page(s, "inkwell").products.items
    assert card.title == "Lightroom Presets for Travel Photos"


def test_a_japanese_title_finds_the_product(s, listed, index):
    seller, _, view = listed
    translate(s, seller, view.id, summary="旅行写真のための暖かいプリセット40種。")
    assert s.get(Product, view.id).search_dirty  # the translation is an edit to reindex
    reindex(s, index)

    def titles(text: str, lang: str = "") -> list[str]:
        return [hit.title for hit in index.search(SearchQuery(text=text, lang=lang)).hits]

    # The whole title, a word inside it (Japanese has no spaces), a word being typed,
    # and a word of the translated summary.
    for text in (JAPANESE_TITLE, "プリセット", "写真 プリ", "暖かい"):
        assert titles(text, "ja") == [JAPANESE_TITLE], text
    # Other languages' buyers find it by the same words and read the original title.
    assert titles("プリセット") == ["Lightroom Presets for Travel Photos"]
    assert titles("lightroom", "ja") == [JAPANESE_TITLE]
    assert titles("動画") == []

    [hit] = index.search(SearchQuery(text="プリセット", lang="ja")).hits
    assert hit.title_html == "写真編集のための<mark>プリセット</mark>集"

    # The search page and the navbar's dropdown, in the buyer's language.
    page = service.search_products(s, SearchParams(q="プリセット"), index=index, lang="ja")
    assert [card.title for card in page.cards] == [JAPANESE_TITLE]
    assert [card.title for card in service.quick_search(s, "プリセ", index=index, lang="ja")] == [JAPANESE_TITLE]

    # Removing the translation takes its words out of the index.
    translations.remove_translation(s, seller, view.id, "ja")
    reindex(s, index)
    assert titles("プリセット") == []


def test_a_translation_is_found_with_the_usual_typo_rules(s, listed, index):
    seller, _, view = listed
    translate(s, seller, view.id, title="Préréglages Lightroom pour photos de voyage", lang="fr")
    reindex(s, index)
    for text in ("préréglages", "prereglages", "preréglage", "voyag"):
        assert [hit.id for hit in index.search(SearchQuery(text=text)).hits] == [view.id], text


def test_the_database_fallback_searches_translations_too(s, listed, monkeypatch):
    seller, _, view = listed
    translate(s, seller, view.id, title="Reise-Presets für Lightroom", lang="de")

    class Down:
        def search(self, query):
            raise SearchUnavailable("down")

    page = service.search_products(s, SearchParams(q="reise"), index=Down(), lang="de")
    assert page.degraded
    assert [card.title for card in page.cards] == ["Reise-Presets für Lightroom"]


def test_crawlers_read_the_translation_at_its_address(s, listed):
    seller, _, view = listed
    translate(s, seller, view.id, summary="旅行写真のための暖かいプリセット40種。")

    head = page_head(s, shop="inkwell", product=view.slug, lang="ja")
    assert (head.title, head.description, head.lang) == (JAPANESE_TITLE, "旅行写真のための暖かいプリセット40種。", "ja")
    # The storefront adds ?lang= to the canonical address in the language served (page_head).
    assert head.path == f"/p/inkwell/{view.slug}"
    data = head.structured_data
    assert (data["name"], data["inLanguage"], data["url"]) == (JAPANESE_TITLE, "ja", f"{head.path}?lang=ja")

    original = page_head(s, shop="inkwell", product=view.slug, lang="de")
    assert (original.title, original.lang, original.path) == (
        "Lightroom Presets for Travel Photos",
        "",
        f"/p/inkwell/{view.slug}",
    )
    assert "inLanguage" not in original.structured_data


def test_a_banned_word_in_a_translation_flags_the_product(s):
    seller, admin = make_seller(s), make_admin(s)
    view = publishable_product(s, seller, title="Travel Presets")
    products.publish_product(s, seller, view.id)
    checks.set_banned_words(s, admin, "casino")
    [item] = queue.build_queue(s)
    assert item.flags == []

    translate(s, seller, view.id, title="Presets für das Casino", lang="de")
    [item] = queue.build_queue(s)
    assert (item.key, item.flags) == (f"product:{view.id}", ["Banned word: “casino”."])


def test_a_draft_translation_stays_out_of_sight(s):
    seller = make_seller(s)
    draft = new_product(s, seller, title="Unreleased Presets")
    translate(s, seller, draft.id)
    with pytest.raises(NotFound):
        product_page(s, "inkwell", draft.slug, lang="ja")
