"""Route builders, and the sign-in `next` target that must never leave the site."""

import pytest

import routes


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/ok\r\nLocation: https://evil.example",
        "",
        None,
    ],
)
def test_next_target_off_the_site_falls_back_to_home(target):
    assert routes.safe_next_path(target) == routes.HOME


@pytest.mark.parametrize("target", ["/seller", "/account?tab=password", "/p/shop/product"])
def test_next_target_on_the_site_is_kept(target):
    assert routes.safe_next_path(target) == target


def test_login_url_carries_a_safe_next_and_drops_an_unsafe_one():
    assert routes.login_url("/seller") == "/login?next=%2Fseller"
    assert routes.login_url("//evil.example") == "/login"
    assert routes.login_url("/") == "/login"


def test_product_url_escapes_path_segments():
    assert routes.product_url("ada", "my-book") == "/p/ada/my-book"
    assert routes.product_url("ada", "a/b?c") == "/p/ada/a%2Fb%3Fc"


def test_a_filled_route_is_the_address_its_builder_makes():
    assert routes.fill(routes.ORDER, order_reference="ORD-7Q2K9XW3AB") == routes.order_url("ORD-7Q2K9XW3AB")
    assert routes.fill(routes.SHOP, shop_slug="a/b") == routes.shop_url("a/b")
    assert routes.fill(routes.PRODUCT, shop_slug="ada", product_slug="my-book") == routes.product_url("ada", "my-book")
