"""The studio's product list counts real sales: paid lines, less those refunded in full."""

from commerce.catalog import queries
from commerce.models import WebhookOutcome
from commerce.orders import refunds
from commerce.orders.webhooks import handle_event


def buy(world, product):
    result = world.checkout(world.buyer_actor(world.user()), [product])
    _, event = world.pay(result.order_reference)
    assert handle_event(world.s, event) == WebhookOutcome.PROCESSED
    return result.order_reference


def sales(world, shop):
    rows = queries.list_seller_products(world.s, world.seller_actor(shop)).items
    return {row.title: row.sales_count for row in rows}


def test_the_product_list_counts_paid_sales_and_drops_full_refunds(world):
    shop = world.shop()
    icons, fonts = world.product(shop, 1500, title="Icons"), world.product(shop, 900, title="Fonts")
    world.product(shop, 500, title="Brushes")
    assert sales(world, shop) == {"Icons": 0, "Fonts": 0, "Brushes": 0}

    first = buy(world, icons)
    buy(world, icons)
    buy(world, fonts)
    # A checkout that was never paid is not a sale.
    world.checkout(world.buyer_actor(world.user()), [fonts])
    assert sales(world, shop) == {"Icons": 2, "Fonts": 1, "Brushes": 0}

    refunds.refund(world.s, world.admin_actor(), world.gateway, first, reason="buyer asked")
    assert sales(world, shop) == {"Icons": 1, "Fonts": 1, "Brushes": 0}
