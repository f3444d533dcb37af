"""Public addresses of shop pages and media, built in one place.

The domain needs them too (emails link to products, the library, receipts), so
they live here and the UI's `routes` module re-exports them. Standard library only.
"""

from __future__ import annotations

from urllib.parse import quote

MEDIA_PATH = "/api/media"
# Only blobs under this key prefix are public (images); everything else is private.
MEDIA_KEY_PREFIX = "media/"


def product_url(shop_slug: str, product_slug: str) -> str:
    return f"/p/{quote(shop_slug, safe='')}/{quote(product_slug, safe='')}"


def shop_url(shop_slug: str) -> str:
    return f"/s/{quote(shop_slug, safe='')}"


def category_url(category_slug: str) -> str:
    return f"/c/{quote(category_slug, safe='')}"


def library_product_url(product_id: int) -> str:
    """A product in the buyer's library."""
    return f"/library/{int(product_id)}"


def order_url(order_reference: str) -> str:
    """The buyer's order page, which is their receipt (and checkout's confirmation page)."""
    return f"/orders/{quote(order_reference, safe='')}"


def seller_product_url(product_id: int) -> str:
    """A product in its seller's studio editor."""
    return f"/seller/products/{int(product_id)}"


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
