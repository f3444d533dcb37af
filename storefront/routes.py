"""Every route of the storefront and the URL builders for them, in one place.

A leaf module (standard library and commerce.links only) so pages, states and components can all
link to the same addresses without importing each other.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from commerce.links import (  # noqa: F401  (re-exported for pages)
    category_url,
    library_product_url,
    product_url,
    seller_product_url,
    shop_url,
)

HOME = "/"
SEARCH = "/search"
CART = "/cart"
LIBRARY = "/library"
LIBRARY_PRODUCT = "/library/[library_product_id]"
LOGIN = "/login"
REGISTER = "/register"
ACCOUNT = "/account"
PASSWORD_RESET = "/reset"
# The dynamic segment becomes a state var named after it: keep the name specific.
PASSWORD_RESET_WITH_TOKEN = "/reset/[reset_token]"
SELLER = "/seller"
ADMIN = "/admin"  # the moderation queue
ADMIN_USERS = "/admin/users"
ADMIN_ORDERS = "/admin/orders"
ADMIN_SHOPS = "/admin/shops"
ADMIN_SETTINGS = "/admin/settings"
ADMIN_AUDIT = "/admin/audit"
PRODUCT = "/p/[shop_slug]/[product_slug]"
SHOP = "/s/[shop_slug]"
CATEGORY = "/c/[category_slug]"
SELLER_PRODUCT = "/seller/products/[edit_product_id]"
SELLER_DELIVERY = "/seller/delivery/[delivery_product_id]"
SELLER_SALES = "/seller/sales"
SELLER_DISCOUNTS = "/seller/discounts"
SELLER_BUNDLES = "/seller/bundles"
SELLER_PAYOUTS = "/seller/payouts"
SELLER_REVIEWS = "/seller/reviews"
ADMIN_PAYOUTS = "/admin/payouts"
ORDERS = "/orders"
# commerce.orders.checkout.confirmation_path builds these addresses.
ORDER = "/orders/[order_reference]"
# The embedded test gateway's payment page (commerce.payments.testpay.CHECKOUT_PAGE_PATH).
TESTPAY = "/testpay/[testpay_session]"
SELLER_ANALYTICS = "/seller/analytics"
NOTIFICATIONS = "/notifications"
# Streamed CSV downloads (HTTP routes on the Starlette app, storefront/api_exports.py).
EXPORT_SALES_CSV = "/api/seller/exports/sales.csv"
EXPORT_CUSTOMERS_CSV = "/api/seller/exports/customers.csv"
# Reflex serves the page registered under this route for every unknown address.
NOT_FOUND = "404"


def search_url(query: str) -> str:
    return f"{SEARCH}?{urlencode({'q': query})}"


def safe_next_path(target: str | None, default: str = HOME) -> str:
    """`target` if it is a path on this site, else `default` (no open redirects).

    Only absolute paths are allowed; "//host" and "/\\host" are protocol-relative
    to browsers, and control characters can smuggle a scheme past naive checks.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(char) < 0x20 or char == "\x7f" for char in target):
        return default
    return target


def login_url(next_path: str | None = None) -> str:
    """The sign-in page, returning to `next_path` (if it is safe) afterwards."""
    target = safe_next_path(next_path, default="")
    if not target or target == HOME:
        return LOGIN
    return f"{LOGIN}?{urlencode({'next': target})}"


def order_url(reference: str) -> str:
    return f"{ORDERS}/{quote(reference, safe='')}"


def seller_delivery_url(product_id: int) -> str:
    """A product's downloads and license keys, as its seller manages them."""
    return f"/seller/delivery/{int(product_id)}"
