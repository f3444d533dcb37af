"""Public addresses of shop pages and media, built in one place.

The domain needs them too (emails link to products, the library, receipts), so
they live here and the UI's `routes` module re-exports them. Standard library only.
"""

from __future__ import annotations

from urllib.parse import quote

MEDIA_PATH = "/api/media"
# Only blobs under this key prefix are public (images); everything else is private.
MEDIA_KEY_PREFIX = "media/"

# The shop's pages the domain links to (emails, notifications, payment pages). The UI's
# `routes` module builds its routes from these, so each address is written once.
PRODUCTS_PATH = "/p"
SHOPS_PATH = "/s"
CATEGORIES_PATH = "/c"
SEARCH_PATH = "/search"
CART_PATH = "/cart"
ORDERS_PATH = "/orders"
LIBRARY_PATH = "/library"
# The online reader and player of one online-only file: READER_PATH/<file id>.
READER_PATH = "/read"
ACCOUNT_PATH = "/account"
PASSWORD_RESET_PATH = "/reset"
# A sign-up's email link: REGISTRATION_CONFIRM_PATH/<token> creates the account.
REGISTRATION_CONFIRM_PATH = "/welcome"
# A change of email's link, sent to the new address: EMAIL_CHANGE_PATH/<token> confirms it.
EMAIL_CHANGE_PATH = "/account/email"
LOGIN_PATH = "/login"
UNLOCK_PATH = "/api/session/unlock"
SELLER_PRODUCTS_PATH = "/seller/products"
SELLER_DELIVERY_PATH = "/seller/delivery"
SELLER_ANALYTICS_PATH = "/seller/analytics"
# The studio page of outbound webhooks (the email about a disabled endpoint links to it).
SELLER_WEBHOOKS_PATH = "/seller/webhooks"
SELLER_PAYOUTS_PATH = "/seller/payouts"
# The seller's earnings statement, streamed as CSV by an HTTP route (storefront/api_exports.py).
STATEMENT_CSV_PATH = "/api/seller/exports/statement.csv"
ADMIN_USERS_PATH = "/admin/users"
ADMIN_ORDERS_PATH = "/admin/orders"
# The receipt's one-time "Access your purchase" link (an HTTP route, not a page).
ACCESS_PATH = "/access"
# A person's data export: PRIVACY_EXPORTS_PATH/<request id> (storefront/api_privacy.py).
PRIVACY_EXPORTS_PATH = "/api/privacy/exports"
# The query parameter naming the language a shop page is shown in (`/p/shop/product?lang=ja`).
LANG_PARAM = "lang"
# The embedded test gateway's hosted payment page: TESTPAY_PATH/<session id>.
TESTPAY_PATH = "/testpay"


def _segment(value: str) -> str:
    return quote(value, safe="")


def product_url(shop_slug: str, product_slug: str) -> str:
    return f"{PRODUCTS_PATH}/{_segment(shop_slug)}/{_segment(product_slug)}"


def in_language(path: str, lang: str) -> str:
    """A shop page's address in one language (`?lang=de`); the path itself for the original."""
    return f"{path}?{LANG_PARAM}={quote(lang, safe='')}" if lang else path


def shop_url(shop_slug: str) -> str:
    return f"{SHOPS_PATH}/{_segment(shop_slug)}"


def category_url(category_slug: str) -> str:
    return f"{CATEGORIES_PATH}/{_segment(category_slug)}"


def library_product_url(product_id: int) -> str:
    """A product in the buyer's library."""
    return f"{LIBRARY_PATH}/{int(product_id)}"


def reader_url(file_id: int) -> str:
    """The online reader (PDF) or player (audio, video) of a file the buyer may only view online."""
    return f"{READER_PATH}/{int(file_id)}"


def order_url(order_reference: str) -> str:
    """The buyer's order page, which is their receipt (and checkout's confirmation page)."""
    return f"{ORDERS_PATH}/{_segment(order_reference)}"


def password_reset_url(token: str) -> str:
    """Where a password reset (or a guest's claim) link leads: choose a new password."""
    return f"{PASSWORD_RESET_PATH}/{_segment(token)}"


def email_change_url(token: str) -> str:
    """Where a change of email's link leads: the new address is confirmed."""
    return f"{EMAIL_CHANGE_PATH}/{_segment(token)}"


def registration_confirm_url(token: str) -> str:
    """Where a sign-up's email link leads: the account is created and signed in."""
    return f"{REGISTRATION_CONFIRM_PATH}/{_segment(token)}"


def unlock_url(token: str) -> str:
    """The emailed link that makes a device known to an account locked for new devices."""
    return f"{UNLOCK_PATH}?token={_segment(token)}"


def access_url(token: str) -> str:
    """The receipt's one-time link that signs the buyer in and opens their purchase."""
    return f"{ACCESS_PATH}/{_segment(token)}"


def seller_product_url(product_id: int) -> str:
    """A product in its seller's studio editor."""
    return f"{SELLER_PRODUCTS_PATH}/{int(product_id)}"


def seller_delivery_url(product_id: int) -> str:
    """A product's delivery settings, download counts and sales waiting in the seller's studio."""
    return f"{SELLER_DELIVERY_PATH}/{int(product_id)}"


def media_url(key: str | None) -> str | None:
    """The public address of an image stored under a "media/" key (None for no image)."""
    if not key:
        return None
    if not key.startswith(MEDIA_KEY_PREFIX):
        raise ValueError(f"Only keys under {MEDIA_KEY_PREFIX!r} are public, not {key!r}.")
    return f"{MEDIA_PATH}/{key.removeprefix(MEDIA_KEY_PREFIX)}"


def absolute(base_url: str, path: str) -> str:
    """`path` on the site at `base_url` (for emails and webhooks)."""
    return base_url.rstrip("/") + path


# TestPay's local Connect onboarding page: TESTPAY_CONNECT_PATH/<onboarding token>.
TESTPAY_CONNECT_PATH = "/testpay-connect"
