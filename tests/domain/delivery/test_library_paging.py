"""The library is paged: every owned product once, only the buyer's own, the search kept on each page."""

from commerce.delivery import library


def test_the_library_pages_through_every_owned_product_once(shop):
    owned = [shop.product(title=title) for title in ("Brush A", "Font B", "Brush C", "Font D", "Brush E")]
    not_owned = shop.product(title="Brush Elsewhere")
    _, buyer = shop.buyer()
    _, other = shop.buyer()
    shop.buy(buyer, *owned[:3])
    shop.buy(buyer, *owned[3:])
    shop.buy(other, not_owned)

    pages = [library.library(shop.s, buyer, page=n, per_page=2) for n in (1, 2, 3)]

    assert [len(view.items) for view in pages] == [2, 2, 1]
    assert (pages[0].page.total, pages[0].page.page_count, pages[0].total) == (5, 3, 5)
    assert pages[0].page.has_next
    assert pages[2].page.has_previous
    assert not pages[2].page.has_next
    listed = [item.product_id for view in pages for item in view.items]
    assert sorted(listed) == sorted(product.id for product in owned)  # nothing lost, nothing twice
    assert not_owned.id not in listed
    # Newest purchase first, as on one long list.
    assert listed == [item.product_id for item in library.library(shop.s, buyer, per_page=10).items]


def test_a_library_search_is_paged_on_its_own_matches_and_clamps_the_page(shop):
    owned = [shop.product(title=title) for title in ("Brush A", "Font B", "Brush C", "Font D", "Brush E")]
    _, buyer = shop.buyer()
    _, other = shop.buyer()
    shop.buy(buyer, *owned)
    shop.buy(other, shop.product(title="Brush Elsewhere"))

    first = library.library(shop.s, buyer, search="brush", page=1, per_page=2)
    second = library.library(shop.s, buyer, search="brush", page=2, per_page=2)
    past_the_end = library.library(shop.s, buyer, search="brush", page=50, per_page=2)

    assert (first.page.total, first.page.page_count, first.total) == (3, 2, 5)
    titles = [item.title for view in (first, second) for item in view.items]
    assert sorted(titles) == ["Brush A", "Brush C", "Brush E"]
    assert past_the_end.page.page == 2
    assert past_the_end.items == second.items
    assert library.library(shop.s, buyer, search="brush", page=-1, per_page=2).page.page == 1
