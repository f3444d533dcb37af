"""The language a person gets, and numbers, prices, dates and plurals in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commerce import i18n
from commerce.money import Money, format_money


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"),
        ("ja-JP", "ja"),
        ("zh-CN, ar-EG;q=0.3", "ar"),
        ("pt-BR, de;q=0.1", "de"),
        ("zh-CN", "en"),
        ("", "en"),
        ("de;q=0, es", "es"),
    ],
)
def test_the_browser_language_is_matched_to_one_the_shop_speaks(header, language):
    assert i18n.negotiate(header) == language


def test_a_saved_choice_wins_over_a_cookie_and_nonsense_is_ignored():
    assert i18n.choose("ja", "de") == "ja"
    assert i18n.choose("xx", "de-AT") == "de"
    assert i18n.choose(None, "") == "en"


def test_arabic_uses_its_six_plural_forms_and_japanese_its_one():
    counts = (0, 1, 2, 5, 11, 100)
    with i18n.use_language("ar"):
        arabic = [i18n.ngettext("{count} product", "{count} products", n) for n in counts]
    assert arabic == ["لا توجد منتجات", "منتج واحد", "منتجان", "5 منتجات", "11 منتجًا", "100 منتج"]
    with i18n.use_language("ja"):
        assert i18n.ngettext("{count} product", "{count} products", 1) == "1件の商品"
        assert i18n.ngettext("{count} product", "{count} products", 1234) == "1,234件の商品"
    with i18n.use_language("de"):
        assert i18n.ngettext("{count} product", "{count} products", 1234) == "1.234 Produkte"


def test_prices_follow_the_language_with_yen_in_whole_units():
    with i18n.use_language("ja"):
        assert format_money(Money(125000, "JPY")) == "￥125,000"
    with i18n.use_language("de"):
        assert format_money(Money(1250, "EUR")) == "12,50\u00a0€"
    with i18n.use_language("ar"):
        assert "12.50" in format_money(Money(1250, "USD"))  # Latin digits stay readable
    assert format_money(Money(1250, "USD")) == "$12.50"


def test_dates_and_relative_times_read_as_people_say_them():
    moment = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    assert i18n.format_date(moment, "de") == "03.12.2026"
    assert i18n.format_date(moment, "ja") == "2026/12/03"
    assert i18n.format_relative(moment - timedelta(days=3), moment, "fr") == "il y a 3 jours"
    assert i18n.format_relative(moment - timedelta(days=3), moment, "en") == "3 days ago"


def test_the_page_reads_right_to_left_only_in_arabic():
    assert [i18n.direction(code) for code in i18n.LANGUAGES] == ["ltr", "ltr", "ltr", "ltr", "ltr", "rtl"]


def test_the_category_tree_is_named_in_the_readers_language():
    from commerce.catalog.category_names import category_name

    assert category_name("E-books", "de") == "E-Books"
    assert category_name("Design templates", "ja") == "デザインテンプレート"
    assert category_name("Music", "en") == "Music"
    with i18n.use_language("fr"):
        assert category_name("Fonts") == "Polices"
    assert category_name("A category a later migration adds", "es") == "A category a later migration adds"
