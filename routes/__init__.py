"""Every route of the storefront, the URL builders for them and the session cookie's name,
in one place.

A leaf below the UI layers (standard library and commerce.links only), so pages, states,
components and the HTTP endpoints all use the same addresses without importing each other.
The builders the domain needs too (emails and receipts link to pages) live in
commerce.links and are re-exported here.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

import commerce.links as links
from commerce.links import (  # noqa: F401  (re-exported for the UI)
    category_url,
    library_product_url,
    order_url,
    product_url,
    seller_product_url,
    shop_url,
)

# The language a visitor chose (not secret: pages and crawlers' heads read it; see state/language.py).
LANGUAGE_COOKIE = "mp_lang"
# `?lang=de` on any page opens it in that language (the hreflang alternates crawlers follow).
LANGUAGE_PARAM = links.LANG_PARAM

# The browser's session token (an HttpOnly cookie; see state/session.py and the HTTP endpoints).
SESSION_COOKIE = "mp_session"

# A dynamic segment ([name]) becomes a state var of that name: keep the names specific.
HOME = "/"
SEARCH = links.SEARCH_PATH
CART = links.CART_PATH
LIBRARY = links.LIBRARY_PATH
LIBRARY_PRODUCT = f"{links.LIBRARY_PATH}/[library_product_id]"
# The online reader (PDF pages) or player (audio, video) of an online-only file.
READER = f"{links.READER_PATH}/[reader_file_id]"
LOGIN = links.LOGIN_PATH
# The sign-in's second step (a code from the authenticator app or a recovery code).
LOGIN_SECOND_FACTOR = f"{links.LOGIN_PATH}/second-factor"
REGISTER = "/register"
REGISTRATION_CONFIRM = f"{links.REGISTRATION_CONFIRM_PATH}/[registration_token]"
ACCOUNT = links.ACCOUNT_PATH
# The page a change of email's link opens (sent to the new address).
EMAIL_CHANGE_CONFIRM = f"{links.EMAIL_CHANGE_PATH}/[email_change_token]"
# Where a deleted account's last page goes.
ACCOUNT_DELETED = "/goodbye"
# The account page's two-factor section, where an administrator without one is sent.
ACCOUNT_SECURITY = f"{links.ACCOUNT_PATH}?setup=second-factor"
PASSWORD_RESET = links.PASSWORD_RESET_PATH
PASSWORD_RESET_WITH_TOKEN = f"{links.PASSWORD_RESET_PATH}/[reset_token]"
PRODUCT = f"{links.PRODUCTS_PATH}/[shop_slug]/[product_slug]"
SHOP = f"{links.SHOPS_PATH}/[shop_slug]"
CATEGORY = f"{links.CATEGORIES_PATH}/[category_slug]"
ORDERS = links.ORDERS_PATH
ORDER = f"{links.ORDERS_PATH}/[order_reference]"
NOTIFICATIONS = "/notifications"
# The embedded test gateway's payment page.
TESTPAY = f"{links.TESTPAY_PATH}/[testpay_session]"
# TestPay's local payout-account onboarding (the embedded stand-in for Stripe Connect's).
TESTPAY_CONNECT = f"{links.TESTPAY_CONNECT_PATH}/[onboarding_token]"
SELLER = "/seller"
SELLER_PRODUCT = f"{links.SELLER_PRODUCTS_PATH}/[edit_product_id]"
SELLER_DELIVERY = f"{links.SELLER_DELIVERY_PATH}/[delivery_product_id]"
SELLER_ANALYTICS = links.SELLER_ANALYTICS_PATH
SELLER_SALES = "/seller/sales"
SELLER_DISCOUNTS = "/seller/discounts"
SELLER_BUNDLES = "/seller/bundles"
SELLER_PAYOUTS = links.SELLER_PAYOUTS_PATH
SELLER_REVIEWS = "/seller/reviews"
SELLER_WEBHOOKS = links.SELLER_WEBHOOKS_PATH
SELLER_DEVELOPERS = "/seller/developers"
SELLER_LEAKS = "/seller/leaks"
ADMIN = "/admin"  # the moderation queue
ADMIN_USERS = links.ADMIN_USERS_PATH
ADMIN_ORDERS = links.ADMIN_ORDERS_PATH
ADMIN_PAYOUTS = "/admin/payouts"
ADMIN_SHOPS = "/admin/shops"
ADMIN_SETTINGS = "/admin/settings"
ADMIN_AUDIT = "/admin/audit"
ADMIN_PRIVACY = "/admin/privacy"
ADMIN_LEAKS = "/admin/leaks"
ADMIN_FLAGS = "/admin/flags"

# Where a visit came from (document.referrer of the landing page): set by the page load's
# HTTP response (storefront/visit_referrer.py), read by the analytics state from the handshake.
REFERRER_COOKIE = "mp_ref"

# The session cookie's HTTP routes (storefront/api_session.py): only HTTP responses set it.
SESSION_LOGIN = "/api/session/login"
SESSION_WELCOME = "/api/session/welcome"
SESSION_SECOND_FACTOR = "/api/session/second-factor"
SESSION_PASSKEY = "/api/session/passkey"
SESSION_PASSKEY_OPTIONS = "/api/session/passkey-options"
# A password accepted for an account with a second factor, waiting for it (HttpOnly, /api/session only).
PENDING_SIGN_IN_COOKIE = "mp_2fa"
SESSION_UNLOCK = links.UNLOCK_PATH
# The browser's device cookie per account it signed in to (commerce/accounts/devices.py).
DEVICE_COOKIE = "mp_device"
# The receipt's one-time "Access your purchase" link (HTTP routes, storefront/api_access.py).
ACCESS = links.ACCESS_PATH

# Streamed CSV downloads (HTTP routes on the Starlette app, storefront/api_exports.py).
EXPORT_SALES_CSV = "/api/seller/exports/sales.csv"
EXPORT_STATEMENT_CSV = links.STATEMENT_CSV_PATH
# The seller REST API's reference page (Swagger UI, served by the app).
API_REFERENCE = "/api/v1/docs"
EXPORT_CUSTOMERS_CSV = "/api/seller/exports/customers.csv"
# A person's ZIP of their data (storefront/api_privacy.py).
PRIVACY_EXPORT = links.PRIVACY_EXPORTS_PATH
# Product files sent in parts: Uppy's S3 uploader talks to <base>/s3/multipart...
# (Companion's protocol); with the local store the parts go to UPLOAD_PARTS.
UPLOADS = "/api/uploads/products"
UPLOAD_PARTS = "/api/uploads/parts"
# Reflex serves the page registered under this route for every unknown address.
NOT_FOUND = "404"


def fill(route: str, **segments: Any) -> Any:
    """`route` with its dynamic segments filled in, e.g. fill(SHOP, shop_slug=row.shop_slug).

    For values a page only knows in the browser (state vars): a var joined to strings with
    `+` stays a var, so the address is built where the value is. Python strings are escaped
    as one path segment, like commerce.links' builders.
    """
    parts = re.split(r"\[(\w+)\]", route)
    address: Any = parts[0]
    for name, after in zip(parts[1::2], parts[2::2], strict=True):
        value = segments[name]
        address = address + (quote(value, safe="") if isinstance(value, str) else value) + after
    return address


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


def cookie_value(cookie_header: str | None, name: str) -> str:
    """One cookie's value in a Cookie header ("" if absent)."""
    for part in (cookie_header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip().strip('"')
    return ""


def login_url(next_path: str | None = None, *, error: str = "") -> str:
    """The sign-in page, returning to `next_path` (if it is safe) afterwards; `error` is a
    reason code the page turns into a sentence (the sign-in route sends refusals back)."""
    target = safe_next_path(next_path, default="")
    query = {name: value for name, value in (("next", "" if target == HOME else target), ("error", error)) if value}
    return f"{LOGIN}?{urlencode(query)}" if query else LOGIN


def second_factor_url(next_path: str | None = None, *, error: str = "") -> str:
    """The sign-in's second-factor page, going on to `next_path` afterwards."""
    target = safe_next_path(next_path, default="")
    query = {name: value for name, value in (("next", "" if target == HOME else target), ("error", error)) if value}
    return f"{LOGIN_SECOND_FACTOR}?{urlencode(query)}" if query else LOGIN_SECOND_FACTOR


def registration_confirm_url(token: str, *, error: str = "") -> str:
    """The sign-up link's page; `error` a reason code it shows (expired, taken, origin)."""
    path = links.registration_confirm_url(token)
    return f"{path}?{urlencode({'error': error})}" if error else path
