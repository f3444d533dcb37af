"""A buyer who turned off "share my email with sellers" appears under the shop's pseudonym
on every seller page (sales, download counts, sold keys), the same one the CSV exports use."""

import pytest

from commerce.analytics import exports
from commerce.delivery import downloads
from commerce.licensing import service as licensing
from commerce.models import DeliveryKind
from commerce.notifications.preferences import pseudonym, set_share_email
from commerce.orders import sales
from tests.fixtures.delivery import session_token


@pytest.fixture
def buyers(shop):
    """Two buyers of the same file and key products, each downloading the file once;
    `hidden` keeps their email from sellers."""
    files, keys = shop.product(kind=DeliveryKind.FILES), shop.product(kind=DeliveryKind.KEYS)
    file = shop.file(files, shop.version(files), b"%PDF-1.4\n", filename="book.pdf")
    shop.generated_keys(keys)
    open_user, open_buyer = shop.buyer(email="open@example.com")
    hidden_user, hidden_buyer = shop.buyer(email="hidden@example.com")
    set_share_email(shop.s, hidden_buyer, enabled=False)
    orders = {}
    for user, actor in ((open_user, open_buyer), (hidden_user, hidden_buyer)):
        orders[user.email] = shop.buy(actor, files, keys)
        url = downloads.mint_link(shop.s, actor, file.id).url
        shop.download(url, token=session_token(shop.s, user))
    return dict(
        files=files,
        keys=keys,
        open=open_user,
        hidden=hidden_user,
        orders=orders,
        alias=pseudonym(shop.shop.id, hidden_user.id),
    )


def test_the_pseudonym_is_the_exports_one_and_differs_per_shop(shop, buyers):
    assert exports.pseudonym is pseudonym
    assert buyers["alias"].startswith("buyer-")
    assert "hidden" not in buyers["alias"]
    assert pseudonym(shop.world.shop().id, buyers["hidden"].id) != buyers["alias"]


def test_the_sales_page_shows_the_pseudonym(shop, buyers):
    shown = {sale.reference: sale.buyer for sale in sales.list_shop_sales(shop.s, shop.seller).items}
    assert shown == {
        buyers["orders"]["open@example.com"].reference: "open@example.com",
        buyers["orders"]["hidden@example.com"].reference: buyers["alias"],
    }


def test_download_counts_show_the_pseudonym(shop, buyers):
    stats = downloads.download_stats(shop.s, shop.seller, buyers["files"].id)
    assert {b.buyer for b in stats.buyers} == {"open@example.com", buyers["alias"]}


def test_sold_keys_show_the_pseudonym_and_are_not_found_by_the_hidden_email(shop, buyers):
    page = licensing.list_product_keys(shop.s, shop.seller, buyers["keys"].id, status="sold")
    assert {row.buyer for row in page.items} == {"open@example.com", buyers["alias"]}
    assert [
        row.buyer for row in licensing.list_product_keys(shop.s, shop.seller, buyers["keys"].id, search="open@").items
    ] == ["open@example.com"]
    # Guessing the address must not reveal that this person bought here.
    hidden = licensing.list_product_keys(shop.s, shop.seller, buyers["keys"].id, search="hidden@example.com")
    assert (hidden.items, hidden.total) == ([], 0)


def test_turning_sharing_back_on_shows_the_email_again(shop, buyers):
    set_share_email(shop.s, shop.world.buyer_actor(buyers["hidden"]), enabled=True)
    assert buyers["alias"] not in {sale.buyer for sale in sales.list_shop_sales(shop.s, shop.seller).items}
    assert "hidden@example.com" in {
        b.buyer for b in downloads.download_stats(shop.s, shop.seller, buyers["files"].id).buyers
    }
