"""What the pages add to the domain: guests' receipt tokens, a seller's sales and
refunds typed in major units, discount codes typed in a form, the earnings statement."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from commerce import ledger
from commerce.actor import Actor
from commerce.errors import Conflict, NotFound, PermissionDenied, ValidationError
from commerce.models import (
    DeliveryKind,
    DiscountKind,
    OrderLine,
    OrderStatus,
    PricingMode,
    ProductStatus,
    WebhookOutcome,
)
from commerce.notifications.preferences import pseudonym, set_share_email
from commerce.orders import cart, discounts, lifecycle, sales
from commerce.orders.cart import CartSettings
from commerce.orders.pricing import CartInput
from commerce.orders.webhooks import handle_event

ANONYMOUS = Actor.anonymous()


def paid_order(world, buyer_actor, products, **options):
    result = world.checkout(buyer_actor, products, **options)
    _, event = world.pay(result.order_reference)
    assert handle_event(world.s, event) == WebhookOutcome.PROCESSED
    return result


def test_a_guest_sees_their_order_with_the_receipt_token_only(world):
    shop = world.shop()
    product = world.product(shop, 1500)
    guest = world.checkout(ANONYMOUS, [product], email="new@example.com")
    other = world.checkout(world.buyer_actor(world.user()), [world.product(shop, 900)])

    view = lifecycle.get_order_with_receipt_token(world.s, guest.order_reference, guest.receipt_token)
    assert (view.reference, view.email, view.total) == (guest.order_reference, "new@example.com", 1500)
    with pytest.raises(NotFound):  # one order's token opens no other order
        lifecycle.get_order_with_receipt_token(world.s, other.order_reference, guest.receipt_token)
    with pytest.raises(NotFound):
        lifecycle.get_order_with_receipt_token(world.s, guest.order_reference, "")
    tampered = guest.receipt_token[:-1] + ("1" if guest.receipt_token.endswith("0") else "0")
    with pytest.raises(NotFound):
        lifecycle.get_order_with_receipt_token(world.s, guest.order_reference, tampered)


def test_a_viewer_sees_their_own_order_or_the_one_their_session_placed(world):
    shop = world.shop()
    owner = world.buyer_actor(world.user())
    own = world.checkout(owner, [world.product(shop, 1500)])
    guest = world.checkout(ANONYMOUS, [world.product(shop, 900)], email="later@example.com")
    stranger = world.buyer_actor(world.user())

    assert lifecycle.get_order_for_viewer(world.s, owner, own.order_reference).reference == own.order_reference
    # A guest who signs in to another account still sees what this browser bought with its token.
    view = lifecycle.get_order_for_viewer(world.s, stranger, guest.order_reference, guest.receipt_token)
    assert view.reference == guest.order_reference
    for actor, reference, token in [
        (stranger, own.order_reference, ""),
        (stranger, own.order_reference, guest.receipt_token),
        (ANONYMOUS, own.order_reference, ""),
    ]:
        with pytest.raises((NotFound, PermissionDenied)):
            lifecycle.get_order_for_viewer(world.s, actor, reference, token)


def test_a_guest_cart_is_priced_like_a_signed_in_one(world):
    shop = world.shop()
    fixed, pwyw = world.product(shop, 1000), world.product(shop, 500, pricing=PricingMode.PWYW)
    items = [CartInput(fixed.id), CartInput(pwyw.id, 800)]
    settings = CartSettings(None, "DE", None)
    guest = cart.cart_view(world.s, ANONYMOUS, guest=cart.GuestCart(tuple(items), settings))
    buyer = world.buyer_actor(world.user())
    for item in items:
        cart.add_item(world.s, buyer, item.product_id, None if item.amount is None else "8.00")
    cart.choose_country(world.s, buyer, "DE")
    signed_in = cart.cart_view(world.s, buyer)
    assert guest.quote.total == signed_in.quote.total == 1800 + 342  # 19 % VAT per line
    assert cart.item_count(world.s, buyer).count == 2
    assert [line.url for line in guest.quote.lines] == [f"/p/{shop.slug}/{fixed.slug}", f"/p/{shop.slug}/{pwyw.slug}"]


def test_sellers_see_their_own_lines_of_paid_orders_and_refund_in_major_units(world):
    us, other = world.shop("USD"), world.shop("USD")
    mine, theirs = world.product(us, 1900, title="Mine"), world.product(other, 1000, title="Theirs")
    buyer = world.buyer_actor(world.user())
    result = paid_order(world, buyer, [mine, theirs])
    world.checkout(buyer, [world.product(us, 700)])  # awaiting payment: not a sale
    seller = world.seller_actor(us)

    (sale,) = sales.list_shop_sales(world.s, seller).items
    assert sale.reference == result.order_reference
    assert sale.status_label == "Paid"
    assert [line.title for line in sale.lines] == ["Mine"]
    assert (sale.total_label, sale.lines[0].refundable_input, sale.refundable) == ("$19.00", "19.00", True)

    line_id = sale.lines[0].line_id
    with pytest.raises(ValidationError):
        sales.refund_line(world.s, seller, world.gateway, sale.reference, line_id, "19.001")
    with pytest.raises(ValidationError):
        sales.refund_line(world.s, seller, world.gateway, sale.reference, line_id, "25")
    theirs_line = world.s.exec(select(OrderLine.id).where(OrderLine.product_id == theirs.id)).one()
    with pytest.raises(PermissionDenied):
        sales.refund_line(world.s, seller, world.gateway, sale.reference, theirs_line, "1")

    view = sales.refund_line(world.s, seller, world.gateway, sale.reference, line_id, "4.50", reason="typo")
    assert (view.status, view.refunded_amount) == (OrderStatus.PARTIALLY_REFUNDED, 450)
    (sale,) = sales.list_shop_sales(world.s, seller).items
    assert (sale.lines[0].refunded_label, sale.lines[0].refundable) == ("$4.50", 1450)
    with pytest.raises(PermissionDenied):
        sales.list_shop_sales(world.s, buyer)


def test_sellers_page_through_all_their_sales_and_find_an_old_one_to_refund(world):
    shop = world.shop("USD")
    product = world.product(shop, 1000)
    people = [world.user(email=f"fan{n}@example.com") for n in range(5)]
    references = [paid_order(world, world.buyer_actor(person), [product]).order_reference for person in people]
    hidden = world.buyer_actor(people[0])
    set_share_email(world.s, hidden, enabled=False)
    seller = world.seller_actor(shop)

    pages = [sales.list_shop_sales(world.s, seller, page=n, per_page=2) for n in (1, 2, 3)]
    assert [page.total for page in pages] == [5, 5, 5]
    assert pages[0].page_count == 3
    assert [sale.reference for page in pages for sale in page.items] == references[::-1]  # newest first, none lost
    assert (pages[0].has_previous, pages[0].has_next, pages[2].has_next) == (False, True, False)

    oldest = references[0]
    (found,) = sales.list_shop_sales(world.s, seller, search=f"  {oldest[-6:].lower()} ").items
    assert found.reference == oldest
    assert found.refundable
    (by_email,) = sales.list_shop_sales(world.s, seller, search="FAN3@").items
    assert by_email.reference == references[3]
    # The oldest buyer keeps their email from sellers: their address finds nothing, their reference does.
    assert sales.list_shop_sales(world.s, seller, search="fan0@example.com").total == 0
    alias = pseudonym(shop.id, people[0].id)
    assert [sale.buyer for sale in sales.list_shop_sales(world.s, seller, search=alias.upper()).items] == [alias]
    assert sales.list_shop_sales(world.s, seller, search=pseudonym(shop.id, people[1].id)).total == 0
    assert sales.list_shop_sales(world.s, seller, search="100%_").items == []
    # Another shop's seller cannot find this shop's orders.
    assert sales.list_shop_sales(world.s, world.seller_actor(world.shop()), search=oldest).total == 0

    sales.refund_line(world.s, seller, world.gateway, oldest, found.lines[0].line_id, "10")
    (refunded,) = sales.list_shop_sales(world.s, seller, search=oldest).items
    assert (refunded.status, refunded.refundable) == (OrderStatus.REFUNDED, False)


def test_discount_codes_typed_in_the_sellers_form(world):
    shop = world.shop("EUR")
    product = world.product(shop, 2000)
    seller = world.seller_actor(shop)
    percent = discounts.create_code_from_text(world.s, seller, code="spring", kind=DiscountKind.PERCENT, value="12.5%")
    assert (percent.code, percent.percent_bps, percent.label) == ("SPRING", 1250, "SPRING: 12.5 % off")
    fixed = discounts.create_code_from_text(
        world.s,
        seller,
        code="five-off",
        kind=DiscountKind.FIXED,
        value="5",
        product_id=str(product.id),
        minimum="10,00",
        expires_on="2099-12-31",
        usage_limit="3",
    )
    assert (fixed.amount, fixed.currency, fixed.product_id, fixed.minimum_amount, fixed.usage_limit) == (
        500,
        "EUR",
        product.id,
        1000,
        3,
    )
    assert fixed.expires_at == datetime(2099, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    for bad in (
        dict(value="ten"),
        dict(value="0.001"),
        dict(value="101"),
        dict(expires_on="31/12/2099"),
        dict(usage_limit="many"),
        dict(usage_limit="0"),
        dict(usage_limit="99999999999"),
        dict(expires_on=(datetime.now(UTC) - timedelta(days=2)).date().isoformat()),
    ):
        with pytest.raises(ValidationError):
            discounts.create_code_from_text(
                world.s, seller, code="BAD", kind=DiscountKind.PERCENT, **{"value": "10", **bad}
            )
    with pytest.raises(Conflict):
        discounts.create_code_from_text(world.s, seller, code="Spring", kind=DiscountKind.PERCENT, value="5")
    other = world.product(world.shop("EUR"), 100)
    with pytest.raises(NotFound):
        discounts.create_code_from_text(
            world.s, seller, code="THEIRS", kind=DiscountKind.PERCENT, value="5", product_id=str(other.id)
        )
    assert [choice.title for choice in discounts.product_choices(world.s, seller)] == [product.title]
    assert [code.code for code in discounts.list_codes(world.s, seller)] == ["SPRING", "FIVE-OFF"]


def test_the_earnings_statement_lists_the_sellers_sales_and_refunds(world):
    us, other = world.shop("USD"), world.shop("USD")
    buyer = world.buyer_actor(world.user())
    result = paid_order(world, buyer, [world.product(us, 1000), world.product(other, 500)])
    seller = world.seller_actor(us)
    sales.refund_line(
        world.s,
        seller,
        world.gateway,
        result.order_reference,
        sales.list_shop_sales(world.s, seller).items[0].lines[0].line_id,
        "10",
    )
    rows = list(csv.DictReader(io.StringIO(ledger.seller_statement_csv(world.s, seller))))
    assert [(row["order"], row["kind"]) for row in rows] == [
        (result.order_reference, "sale"),
        (result.order_reference, "refund"),
    ]
    earned, taken_back = (float(row["earnings"]) for row in rows)
    assert earned > 0
    assert earned + taken_back == 0
    (balance,) = ledger.seller_balances(world.s, seller)
    assert balance.pending == balance.available == 0


def test_payouts_csv_defuses_spreadsheet_formulas_in_shop_names(world):
    shop = world.shop("USD")
    shop.name = '=HYPERLINK("http://evil")'
    world.s.add(shop)
    paid_order(world, world.buyer_actor(world.user()), [world.product(shop, 1000)])
    rows = list(csv.reader(io.StringIO(ledger.payouts_csv(world.s, world.admin_actor()))))
    assert [row[1] for row in rows[1:] if row[0] == str(shop.id)] == ['\'=HYPERLINK("http://evil")']


def test_sold_out_keys_are_flagged_and_unpaid_orders_hold_the_last_key(world):
    from commerce.models import LicenseKey

    shop = world.shop()
    product = world.product(shop, 1000)
    product.delivery_kind = DeliveryKind.KEYS
    world.s.add(product)
    world.s.flush()
    quote = cart.quote_for(world.s, [CartInput(product.id)], CartSettings(None, None, None))
    assert quote.lines[0].problem == "sold out."

    world.s.add(LicenseKey(product_id=product.id, ciphertext=b"sealed", lookup_hash="only-key"))
    world.s.flush()
    first, second = world.buyer_actor(world.user()), world.buyer_actor(world.user())
    held = world.checkout(first, [product])
    assert world.checkout(first, [product]).order_reference == held.order_reference  # their own hold
    with pytest.raises(Conflict, match="sold out"):
        world.checkout(second, [product])
    lifecycle.cancel_order(world.s, first, held.order_reference)
    assert world.checkout(second, [product]).order_reference != held.order_reference


def test_sellers_make_bundles_of_their_own_products_one_level_deep(world):
    from commerce.catalog import bundles
    from commerce.models import Fulfilment, Order

    shop, other_shop = world.shop(), world.shop()
    bundle, first, second = (
        world.product(shop, price, title=title)
        for price, title in ((3000, "Bundle"), (1000, "First"), (1500, "Second"))
    )
    draft = world.product(shop, 500, title="Draft")
    draft.status = ProductStatus.DRAFT
    world.s.add(draft)
    seller = world.seller_actor(shop)

    view = bundles.set_bundle_items(world.s, seller, bundle.id, [first.id, second.id, first.id, draft.id])
    assert (view.title, view.items_label) == ("Bundle", "First, Second, Draft")
    assert [item.title for item in bundles.bundle_contents(world.s, bundle.id)] == ["First", "Second"]
    assert [b.title for b in bundles.list_bundles(world.s, seller)] == ["Bundle"]

    for refused, items in (
        (ValidationError, [bundle.id]),
        (NotFound, [world.product(other_shop, 100).id]),
        (ValidationError, list(range(1_000_000, 1_000_021))),
    ):
        with pytest.raises(refused):
            bundles.set_bundle_items(world.s, seller, bundle.id, items)
    with pytest.raises(ValidationError, match="is a bundle itself"):
        bundles.set_bundle_items(world.s, seller, world.product(shop, 100).id, [bundle.id])
    with pytest.raises(ValidationError, match="part of another bundle"):
        bundles.set_bundle_items(world.s, seller, first.id, [second.id])
    with pytest.raises(PermissionDenied):
        bundles.set_bundle_items(world.s, world.seller_actor(other_shop), bundle.id, [])

    order = paid_order(world, world.buyer_actor(world.user()), [bundle])
    granted = world.s.exec(
        select(Fulfilment.product_id)
        .join(Order, Order.id == Fulfilment.order_id)
        .where(Order.reference == order.order_reference)
    ).all()
    assert sorted(granted) == sorted([bundle.id, first.id, second.id, draft.id])

    assert bundles.set_bundle_items(world.s, seller, bundle.id, []).items == []
    assert bundles.list_bundles(world.s, seller) == []


def test_each_line_of_a_paid_cart_grants_its_product_and_a_bundles_items_in_order(world):
    from commerce.catalog import bundles
    from commerce.models import Fulfilment, Order, OrderLine

    shop = world.shop()
    bundle, first, second, single = (
        world.product(shop, price, title=title)
        for price, title in ((3000, "Bundle"), (1000, "First"), (1500, "Second"), (700, "Single"))
    )
    bundles.set_bundle_items(world.s, world.seller_actor(shop), bundle.id, [second.id, first.id])

    order = paid_order(world, world.buyer_actor(world.user()), [bundle, single])
    granted = world.s.exec(
        select(OrderLine.product_id, Fulfilment.product_id)
        .join(Fulfilment, Fulfilment.order_line_id == OrderLine.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.reference == order.order_reference)
        .order_by(Fulfilment.id)
    ).all()
    assert granted == [(bundle.id, bundle.id), (bundle.id, second.id), (bundle.id, first.id), (single.id, single.id)]


def test_a_bundle_holds_the_keys_of_what_it_grants(world):
    from commerce.catalog import bundles
    from commerce.models import LicenseKey

    shop = world.shop()
    keyed, bundle = world.product(shop, 1000, title="Keyed"), world.product(shop, 2500, title="Bundle")
    keyed.delivery_kind = DeliveryKind.KEYS
    world.s.add(keyed)
    bundles.set_bundle_items(world.s, world.seller_actor(shop), bundle.id, [keyed.id])
    quote = cart.quote_for(world.s, [CartInput(bundle.id)], CartSettings(None, None, None))
    assert quote.lines[0].problem == "sold out."  # no key in stock for what the bundle grants

    world.s.add(LicenseKey(product_id=keyed.id, ciphertext=b"sealed", lookup_hash="bundle-key"))
    world.s.flush()
    world.checkout(world.buyer_actor(world.user()), [bundle])
    with pytest.raises(Conflict, match="Keyed has just sold out"):
        world.checkout(world.buyer_actor(world.user()), [keyed])


def test_a_seller_ends_a_code_and_buyers_can_no_longer_use_it(world):
    shop = world.shop()
    product = world.product(shop, 1000)
    seller = world.seller_actor(shop)
    code = discounts.create_code_from_text(world.s, seller, code="LAUNCH", kind=DiscountKind.PERCENT, value="50")
    assert cart.quote_for(world.s, [CartInput(product.id)], CartSettings("LAUNCH", None, None)).discount == 500
    with pytest.raises(NotFound):
        discounts.end_code(world.s, world.seller_actor(world.shop()), code.id)
    assert code.active
    ended = discounts.end_code(world.s, seller, code.id)
    assert (ended.expired, ended.active) == (True, False)
    quote = cart.quote_for(world.s, [CartInput(product.id)], CartSettings("LAUNCH", None, None))
    assert (quote.discount, quote.code_message) == (0, "The code LAUNCH has expired.")


def test_a_used_up_code_is_shown_inactive_to_its_seller(world):
    shop = world.shop()
    seller = world.seller_actor(shop)
    discounts.create_code_from_text(world.s, seller, code="ONCE", kind="percent", value="10", usage_limit="1")
    world.checkout(world.buyer_actor(world.user()), [world.product(shop, 1000)], code="ONCE")
    [code] = discounts.list_codes(world.s, seller)
    assert (code.used_count, code.expired, code.active) == (1, False, False)
