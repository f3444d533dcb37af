"""Crawlers find each shop page in every language: hreflang alternates (`?lang=<code>` on the
same address, x-default without it), a canonical address in the language served, and the
served document's `<html lang dir>`."""

from __future__ import annotations

from commerce import i18n
from commerce.seo.head import PageHead
from storefront.page_head import with_head
from tests.fixtures.documents import SPA_DOCUMENT, Elements, parse

HEAD = PageHead(
    title="Lo-fi Drum Samples",
    description="120 dusty drum hits.",
    path="/p/enigma-studio/lo-fi-drum-samples",
    og_type="product",
    image_path="",
    image_alt="",
)
ADDRESS = "https://shop.example/p/enigma-studio/lo-fi-drum-samples"


def parsed(language: str) -> Elements:
    with i18n.use_language(language):
        document = with_head(SPA_DOCUMENT, HEAD, "https://shop.example/")
    return parse(document)


def links(tags: Elements, rel: str) -> list[dict[str, str]]:
    return [attrs for name, attrs in tags.tags if name == "link" and attrs.get("rel") == rel]


def test_every_language_has_an_alternate_and_the_default_has_none_of_them():
    alternates = {link["hreflang"]: link["href"] for link in links(parsed("en"), "alternate")}
    assert alternates == {
        **{code: f"{ADDRESS}?lang={code}" for code in ("en", "de", "fr", "es", "ja", "ar")},
        "x-default": ADDRESS,
    }


def test_a_page_served_in_arabic_says_so_before_any_script_runs():
    tags = parsed("ar")
    (html,) = [attrs for name, attrs in tags.tags if name == "html"]
    assert html == {"lang": "ar", "dir": "rtl"}
    assert [link["href"] for link in links(tags, "canonical")] == [f"{ADDRESS}?lang=ar"]


def test_an_english_page_keeps_its_plain_canonical_address():
    tags = parsed("en")
    assert [link["href"] for link in links(tags, "canonical")] == [ADDRESS]
    (html,) = [attrs for name, attrs in tags.tags if name == "html"]
    assert html == {"lang": "en", "dir": "ltr"}
