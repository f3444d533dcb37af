"""Which addresses the not-found middleware checks, and the head it gives a missing page."""

from commerce.catalog.queries import PageAnswer
from storefront.page_status import _slugs, retitle


def test_only_product_shop_and_category_addresses_are_checked():
    assert _slugs("/p/ink/guide") == {"shop": "ink", "product": "guide"}
    assert _slugs("/s/ink/") == {"shop": "ink"}
    assert _slugs("/c/fonts") == {"category": "fonts"}
    for path in ("/", "/p/ink", "/library/3", "/api/media/x", "/s/ink/extra", "/p/" + "x" * 300 + "/y"):
        assert _slugs(path) is None, path


def test_a_missing_page_gets_the_not_found_title_and_no_indexing():
    page = b"<html><head><meta charset='utf-8'><title>Marketplace</title></head><body></body></html>"
    changed = retitle(page, PageAnswer.NOT_FOUND)
    # Marked as the server's: the page drops them once it shows its own (components.head).
    assert b'<title data-served="until-drawn">Not found \xc2\xb7 Marketplace</title>' in changed
    assert b'<meta data-served="until-left" name="robots" content="noindex">' in changed
    assert changed.count(b"<title") == 1
    untitled = retitle(b"<html><head></head><body></body></html>", PageAnswer.UNAVAILABLE)
    assert untitled.startswith(b'<html><head><title data-served="until-drawn">Unavailable')
