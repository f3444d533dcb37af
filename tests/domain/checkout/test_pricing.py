"""Pricing a cart: PWYW, currencies (JPY has no decimals), VAT per line, discount codes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from commerce.actor import Actor
from commerce.errors import Conflict, PermissionDenied, ValidationError
from commerce.kit.time import utcnow
from commerce.models import (
    DiscountCode,
    DiscountKind,
    ModerationStatus,
    Order,
    OrderLine,
    PricingMode,
    ProductStatus,
)
from commerce.orders import cart, checkout, discounts, tax
from commerce.orders.currency import rate_between
from commerce.orders.pricing import CartInput, price_cart
from commerce.orders.webhooks import handle_event


def test_fixed_prices_from_two_sellers_add_up(world):
    a, b = world.shop(), world.shop()
    quote = price_cart(
        world.s, [CartInput(world.product(a, 1900).id), CartInput(world.product(b, 550).id)], currency="USD"
    )
    assert (quote.subtotal, quote.discount, quote.tax, quote.total) == (2450, 0, 0, 2450)
    assert quote.total_label == "$24.50"
    assert {line.shop_id for line in quote.lines} == {a.id, b.id}


def test_pay_what_you_want_is_checked_against_the_minimum(world):
    product = world.product(world.shop(), 500, pricing=PricingMode.PWYW)
    with pytest.raises(ValidationError, match=r"Pay at least \$5.00"):
        cart.check_item(world.s, product.id, "4.99")
    assert cart.check_item(world.s, product.id, "12,50") == CartInput(product.id, 1250)
    assert cart.check_item(world.s, product.id, None) == CartInput(product.id, 500)
    with pytest.raises(ValidationError):
        cart.check_item(world.s, product.id, "-3")
    quote = price_cart(world.s, [CartInput(product.id, 1250)], currency="USD")
    assert quote.total == 1250


def test_a_raised_minimum_flags_the_line_before_payment(world):
    product = world.product(world.shop(), 500, pricing=PricingMode.PWYW)
    product.price_amount = 900
    world.s.add(product)
    quote = price_cart(world.s, [CartInput(product.id, 600)], currency="USD")
    assert quote.lines[0].problem == "the minimum price is now $9.00."
    assert quote.total == 0


def test_unavailable_products_are_flagged(world):
    shop = world.shop()
    unpublished, rejected, fine = world.product(shop, 100), world.product(shop, 200), world.product(shop, 300)
    unpublished.status = ProductStatus.DRAFT
    rejected.moderation_status = ModerationStatus.REJECTED
    world.s.add_all([unpublished, rejected])
    quote = price_cart(world.s, [CartInput(p.id) for p in (unpublished, rejected, fine)], currency="USD")
    assert [line.problem for line in quote.lines] == ["no longer available.", "no longer available.", None]
    assert quote.total == 300
    shop.suspended_at = utcnow()
    world.s.add(shop)
    assert price_cart(world.s, [CartInput(fine.id)], currency="USD").lines[0].problem == "no longer available."


def test_conversion_uses_stored_rates_and_the_target_exponent(world):
    euro_product = world.product(world.shop("EUR"), 1000)  # 10.00 EUR
    quote = price_cart(world.s, [CartInput(euro_product.id)], currency="USD")
    assert rate_between(world.s, "EUR", "USD") == Decimal("1.16")
    assert quote.total == 1160
    assert quote.lines[0].exchange_rate == Decimal("1.16")
    yen = price_cart(world.s, [CartInput(euro_product.id)], currency="JPY")
    assert yen.total == 1750
    assert yen.total_label == "¥1,750"
    dollar = world.product(world.shop("USD"), 1999)  # 19.99 USD -> 19.99 / 1.16 * 175 JPY
    assert price_cart(world.s, [CartInput(dollar.id)], currency="JPY").total == 3016


def test_a_currency_without_a_rate_is_refused(world):
    product = world.product(world.shop(), 1000)
    with pytest.raises(ValidationError, match="not offered"):
        price_cart(world.s, [CartInput(product.id)], currency="BRL")


def test_vat_by_billing_country_rounds_per_line(world):
    shop = world.shop("EUR")
    items = [CartInput(world.product(shop, 999).id), CartInput(world.product(shop, 333).id)]
    german = price_cart(world.s, items, country="DE", currency="EUR")
    # 19 % of 9.99 = 1.8981 -> 1.90; of 3.33 = 0.6327 -> 0.63 (per line, not 2.5308 -> 2.53 on the sum)
    assert [line.tax for line in german.lines] == [190, 63]
    assert (german.tax, german.total) == (253, 1585)
    assert price_cart(world.s, items, country="US", currency="EUR").tax == 0
    assert price_cart(world.s, items, country="HU", currency="EUR").tax_rate_bps == 2700
    with pytest.raises(ValidationError):
        price_cart(world.s, items, country="XX", currency="EUR")


def test_only_admins_edit_tax_rates(world):
    with pytest.raises(PermissionDenied):
        tax.set_rate(world.s, world.buyer_actor(world.user()), country="DE", rate_bps=1600)
    admin = world.admin_actor()
    tax.set_rate(world.s, admin, country="de", rate_bps=1600)
    assert tax.rate_for(world.s, "DE") == 1600
    tax.set_rate(world.s, admin, country="NO", rate_bps=2500)
    assert tax.rate_for(world.s, "NO") == 2500
    with pytest.raises(ValidationError):
        tax.set_rate(world.s, admin, country="FR", rate_bps=9000)
    assert len(tax.list_rates(world.s)) == 28


def _code(world, shop, **kwargs):
    return discounts.create_code(world.s, world.seller_actor(shop), **kwargs)


def test_percent_code_applies_to_its_shop_only(world):
    mine, other = world.shop(), world.shop()
    a, b = world.product(mine, 2000), world.product(other, 1000)
    _code(world, mine, code="spring20", kind=DiscountKind.PERCENT, percent_bps=2000)
    quote = price_cart(world.s, [CartInput(a.id), CartInput(b.id)], code="SPRING20", currency="USD")
    assert quote.code == "SPRING20"
    assert [line.discount for line in quote.lines] == [400, 0]
    assert (quote.discount, quote.total) == (400, 2600)


def test_product_code_and_fixed_amount_split_over_lines(world):
    shop = world.shop()
    a, b, c = world.product(shop, 1000), world.product(shop, 2000), world.product(shop, 500)
    _code(world, shop, code="ONLYB", kind=DiscountKind.PERCENT, percent_bps=5000, product_id=b.id)
    only_b = price_cart(world.s, [CartInput(a.id), CartInput(b.id)], code="onlyb", currency="USD")
    assert [line.discount for line in only_b.lines] == [0, 1000]
    _code(world, shop, code="FIVE", kind=DiscountKind.FIXED, amount=500)
    fixed = price_cart(world.s, [CartInput(p.id) for p in (a, b, c)], code="FIVE", currency="USD")
    assert [line.discount for line in fixed.lines] == [143, 286, 71]
    assert fixed.discount == 500
    # A fixed discount never exceeds what it applies to.
    _code(world, shop, code="HUGE", kind=DiscountKind.FIXED, amount=10_000)
    assert price_cart(world.s, [CartInput(c.id)], code="HUGE", currency="USD").total == 0


def test_expired_used_up_and_minimum_codes_do_not_apply(world):
    shop = world.shop()
    product = world.product(shop, 1000)
    expiring = _code(
        world,
        shop,
        code="SOON",
        kind=DiscountKind.PERCENT,
        percent_bps=1000,
        expires_at=utcnow() + timedelta(minutes=5),
    )
    world.s.get(DiscountCode, expiring.id).expires_at = utcnow() - timedelta(seconds=1)
    quote = price_cart(world.s, [CartInput(product.id)], code="SOON", currency="USD")
    assert quote.discount == 0
    assert quote.code_message == "The code SOON has expired."

    once = _code(world, shop, code="ONCE", kind=DiscountKind.PERCENT, percent_bps=1000, usage_limit=1)
    discounts.redeem(world.s, once.id)
    with pytest.raises(Conflict):
        discounts.redeem(world.s, once.id)
    assert world.s.get(DiscountCode, once.id).used_count == 1
    assert (
        price_cart(world.s, [CartInput(product.id)], code="ONCE", currency="USD").code_message
        == "The code ONCE has been used up."
    )

    _code(world, shop, code="BIG", kind=DiscountKind.PERCENT, percent_bps=1000, minimum_amount=5000)
    assert (
        price_cart(world.s, [CartInput(product.id)], code="BIG", currency="USD").code_message
        == "The code BIG needs at least $50.00 of eligible items."
    )
    assert "does not exist" in price_cart(world.s, [CartInput(product.id)], code="NOPE", currency="USD").code_message


def test_sellers_cannot_make_codes_for_other_shops_products(world):
    mine, other = world.shop(), world.shop()
    with pytest.raises(Exception, match="not in your shop"):
        _code(
            world,
            mine,
            code="STEAL",
            kind=DiscountKind.PERCENT,
            percent_bps=1000,
            product_id=world.product(other, 100).id,
        )
    with pytest.raises(ValidationError):
        _code(world, mine, code="X", kind=DiscountKind.PERCENT, percent_bps=1000)
    with pytest.raises(ValidationError):
        _code(world, mine, code="ZERO", kind=DiscountKind.FIXED, amount=0)
    _code(world, mine, code="DUP", kind=DiscountKind.PERCENT, percent_bps=1000)
    with pytest.raises(Conflict):
        _code(world, mine, code="dup", kind=DiscountKind.PERCENT, percent_bps=500)
    with pytest.raises(PermissionDenied):
        discounts.create_code(
            world.s, world.buyer_actor(world.user()), code="NOPE", kind=DiscountKind.PERCENT, percent_bps=1
        )


def test_signed_in_cart_keeps_one_of_each_and_merges_the_guest_cart(world):
    shop = world.shop()
    fixed, pwyw, gone = (
        world.product(shop, 1000),
        world.product(shop, 300, pricing=PricingMode.PWYW),
        world.product(shop, 50),
    )
    buyer = world.buyer_actor(world.user())
    cart.add_item(world.s, buyer, fixed.id)
    view = cart.add_item(world.s, buyer, fixed.id).view
    assert [item.product_id for item in view.items] == [fixed.id]
    gone.status = ProductStatus.ARCHIVED
    world.s.add(gone)
    guest = cart.GuestCart(
        (CartInput(pwyw.id, 700), CartInput(gone.id), CartInput(fixed.id)), cart.CartSettings("X", "DE", "EUR")
    )
    merged = cart.open_cart(world.s, buyer, guest=guest)
    assert merged.guest == cart.NO_GUEST_CART
    assert [(i.product_id, i.amount) for i in merged.view.items] == [(fixed.id, None), (pwyw.id, 700)]
    assert merged.view.settings == cart.CartSettings("X", "DE", "EUR")
    # 7.00 USD is 6.03 EUR at 1.16, plus 19 % German VAT (1.15)
    assert cart.remove_item(world.s, buyer, fixed.id).view.quote.total == 718


def test_a_guest_cart_follows_the_account_carts_rules(world, monkeypatch):
    shop, guest_actor = world.shop(), Actor.anonymous()
    fixed, pwyw, other = (
        world.product(shop, 1000),
        world.product(shop, 300, pricing=PricingMode.PWYW),
        world.product(shop, 50),
    )
    _code(world, shop, code="TEN", kind=DiscountKind.PERCENT, percent_bps=1000, minimum_amount=5000)

    guest = cart.add_item(world.s, guest_actor, pwyw.id, "4.00").guest
    guest = cart.add_item(world.s, guest_actor, fixed.id, guest=guest).guest
    # Changing an amount keeps the product's place; adding again without one keeps the amount.
    guest = cart.add_item(world.s, guest_actor, pwyw.id, "5.00", guest=guest).guest
    guest = cart.add_item(world.s, guest_actor, pwyw.id, guest=guest).guest
    assert guest.items == (CartInput(pwyw.id, 500), CartInput(fixed.id))

    with pytest.raises(ValidationError, match="needs at least"):
        cart.apply_code(world.s, guest_actor, "ten", guest=guest)
    guest = cart.choose_country(world.s, guest_actor, "DE", guest=guest).guest
    assert guest.settings == cart.CartSettings(None, "DE", None)

    monkeypatch.setattr(cart, "MAX_ITEMS", 2)
    with pytest.raises(ValidationError, match="at most 2 products"):
        cart.add_item(world.s, guest_actor, other.id, guest=guest)

    paid = cart.after_payment(world.s, guest_actor, {fixed.id}, guest=guest)
    assert (paid.count, paid.guest.items) == (1, (CartInput(pwyw.id, 500),))


def test_signing_in_drops_a_guest_cart_item_whose_product_was_deleted(world):
    """A browser session can keep a pay-what-you-want item for days; if the product is
    deleted meanwhile, signing in keeps the rest of the cart instead of failing."""
    shop = world.shop()
    kept = world.product(shop, 300, pricing=PricingMode.PWYW)
    buyer = world.buyer_actor(world.user())
    guest = cart.GuestCart((CartInput(999_999, 500), CartInput(kept.id, 400)))
    opened = cart.open_cart(world.s, buyer, guest=guest)
    assert [(i.product_id, i.amount) for i in opened.view.items] == [(kept.id, 400)]


def test_paying_takes_what_was_bought_out_of_the_cart_and_drops_its_code(world):
    shop = world.shop("USD")
    bought, kept = world.product(shop, 1000), world.product(shop, 2500)
    _code(world, shop, code="TEN", kind=DiscountKind.PERCENT, percent_bps=1000)
    buyer, other = world.buyer_actor(world.user()), world.buyer_actor(world.user())
    for actor in (buyer, other):
        for product in (bought, kept):
            cart.add_item(world.s, actor, product.id)
        cart.apply_code(world.s, actor, "ten")

    placed = world.checkout(buyer, [bought], currency="USD")  # "buy now", beside the cart
    handle_event(world.s, world.pay(placed.order_reference)[1])

    world.s.expire_all()  # the carts as written
    after = cart.cart_view(world.s, buyer)
    assert ([item.product_id for item in after.items], after.settings.code) == ([kept.id], None)
    untouched = cart.cart_view(world.s, other)
    assert ([item.product_id for item in untouched.items], untouched.settings.code) == ([bought.id, kept.id], "TEN")


def test_checking_out_the_cart_places_the_order_the_cart_showed(world):
    """The cart page's checkout prices the cart once and locks in that quote: code, country
    and currency included, the code's use counted; a guest gives an email first."""
    shop = world.shop("USD")
    first, second = world.product(shop, 1000), world.product(shop, 2500)
    _code(world, shop, code="TEN", kind=DiscountKind.PERCENT, percent_bps=1000, usage_limit=5)
    tax.set_rate(world.s, world.admin_actor(), country="DE", rate_bps=1900)
    buyer = world.buyer_actor(world.user())
    for product in (first, second):
        cart.add_item(world.s, buyer, product.id)
    cart.apply_code(world.s, buyer, "ten")
    cart.choose_country(world.s, buyer, "DE")
    shown = cart.open_cart(world.s, buyer).view.quote

    placed = checkout.checkout_cart(world.s, buyer, world.gateway)
    order = world.s.exec(select(Order).where(Order.reference == placed.order_reference)).one()
    assert (order.currency, order.subtotal, order.discount, order.tax, order.total) == (
        shown.currency,
        shown.subtotal,
        shown.discount,
        shown.tax,
        shown.total,
    )
    assert (shown.discount, shown.tax, shown.total) == (350, 599, 3749)
    lines = world.s.exec(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)).all()
    assert [(line.product_id, line.total) for line in lines] == [(line.product_id, line.total) for line in shown.lines]
    assert world.s.exec(select(DiscountCode.used_count)).one() == 1
    assert placed.redirect_url == order.payment_url

    guest = cart.add_item(world.s, Actor.anonymous(), first.id).guest
    with pytest.raises(ValidationError, match="Enter your email") as refused:
        checkout.checkout_cart(world.s, Actor.anonymous(), world.gateway, guest=guest)
    assert refused.value.field == "email"
    placed = checkout.checkout_cart(world.s, Actor.anonymous(), world.gateway, guest=guest, email="New@Example.com")
    order = world.s.exec(select(Order).where(Order.reference == placed.order_reference)).one()
    assert (order.email, order.total) == ("new@example.com", 1000)
