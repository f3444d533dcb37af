"""Shared helpers for the catalog's domain tests (imported by tests/domain/test_catalog_*.py)."""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image

from commerce import storage
from commerce.actor import Actor
from commerce.catalog import files, images, products
from commerce.config import get_settings
from commerce.models import Shop, User, UserRole
from commerce.storage import LocalBlobStore


def make_seller(s, slug: str = "inkwell", currency: str = "USD") -> Actor:
    user = User(email=f"{slug}@example.com", display_name=slug.title(), password_hash="x", role=UserRole.SELLER)
    s.add(user)
    s.flush()
    shop = Shop(owner_id=user.id, slug=slug, name=slug.title(), currency=currency, bio=f"{slug} bio")
    s.add(shop)
    s.flush()
    return Actor(user_id=user.id, role=UserRole.SELLER, shop_id=shop.id)


def make_admin(s) -> Actor:
    user = User(email="admin@example.com", display_name="Admin", password_hash="x", role=UserRole.ADMIN)
    s.add(user)
    s.flush()
    return Actor(user_id=user.id, role=UserRole.ADMIN)


def png_bytes(
    width: int = 1200, height: int = 900, color: str = "#3366cc", mode: str = "RGB", fmt: str = "PNG"
) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), color).save(out, fmt)
    return out.getvalue()


def new_product(s, seller: Actor, title: str = "Python Patterns", price: str = "19.00", **kwargs):
    return products.create_product(s, seller, title=title, price=price, **kwargs)


def publishable_product(s, seller: Actor, title: str = "Python Patterns", price: str = "19.00"):
    """A draft with a cover and one file: everything publishing asks for."""
    view = new_product(s, seller, title=title, price=price)
    images.set_cover(s, seller, view.id, io.BytesIO(png_bytes()))
    return files.upload_file(s, seller, view.id, io.BytesIO(b"%PDF-1.4\n% the book\n"), filename="book.pdf")


def live_product(s, seller: Actor, admin: Actor, title: str = "Python Patterns", price: str = "19.00"):
    view = publishable_product(s, seller, title=title, price=price)
    products.publish_product(s, seller, view.id)
    return products.approve_product(s, admin, view.id)


@pytest.fixture
def store(tmp_path):
    """The wired BlobStore is a fresh local folder for each test."""
    with storage.blob_store.replaced(LocalBlobStore(tmp_path / "storage", "test-secret")) as blob_store:
        yield blob_store


@pytest.fixture
def upload_limit(monkeypatch):
    """Set max_upload_bytes for the test: `upload_limit(1000)`."""

    def set_limit(limit: int) -> None:
        settings = dataclasses.replace(get_settings(), max_upload_bytes=limit)
        monkeypatch.setattr(files, "get_settings", lambda: settings)

    return set_limit
