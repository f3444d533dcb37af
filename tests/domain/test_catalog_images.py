"""Cover and gallery images on both databases: WebP thumbnails made at upload, bad images refused."""

import io
import struct
import zlib

import pytest
from PIL import Image
from sqlmodel import select

from commerce.catalog import images
from commerce.catalog.images import MAX_GALLERY_IMAGES
from commerce.errors import NotFound, PermissionDenied, ValidationError
from commerce.models import Product, ProductImage
from tests.fixtures.catalog import make_seller, new_product, png_bytes


def stored_image(store, url: str) -> Image.Image:
    key = "media/" + url.removeprefix("/api/media/")
    blob = store.stat(key)
    assert blob.content_type == "image/webp"
    return Image.open(store.open(key))


def test_cover_is_resized_into_webp_thumbnails_at_upload(s, store):
    seller = make_seller(s)
    product = new_product(s, seller)
    view = images.set_cover(s, seller, product.id, io.BytesIO(png_bytes(2000, 1500)))
    cover = view.cover
    assert (cover.width, cover.height) == (2000, 1500)
    for url, width in ((cover.url_400, 400), (cover.url_800, 800), (cover.url_1600, 1600)):
        picture = stored_image(store, url)
        assert (picture.format, picture.width, picture.height) == ("WEBP", width, width * 3 // 4)
    assert cover.srcset == f"{cover.url_400} 400w, {cover.url_800} 800w, {cover.url_1600} 1600w"
    assert s.get(Product, product.id).cover_key == "media/" + cover.url_800.removeprefix("/api/media/")


def test_small_images_are_not_upscaled(s, store):
    seller = make_seller(s)
    product = new_product(s, seller)
    cover = images.set_cover(s, seller, product.id, io.BytesIO(png_bytes(600, 300))).cover
    assert stored_image(store, cover.url_400).width == 400
    assert cover.url_800 == cover.url_1600
    assert stored_image(store, cover.url_1600).width == 600
    assert cover.srcset == f"{cover.url_400} 400w, {cover.url_800} 600w"


def test_jpeg_orientation_is_applied_and_exif_dropped(s, store):
    seller = make_seller(s)
    product = new_product(s, seller)
    picture = Image.new("RGB", (1000, 500), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    exif[0x8825] = {1: "N"}  # a GPS block the seller never meant to publish
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif)
    cover = images.set_cover(s, seller, product.id, io.BytesIO(out.getvalue())).cover
    assert (cover.width, cover.height) == (500, 1000)
    thumb = stored_image(store, cover.url_1600)
    assert not thumb.getexif()


def test_transparency_survives(s, store):
    seller = make_seller(s)
    product = new_product(s, seller)
    cover = images.set_cover(
        s, seller, product.id, io.BytesIO(png_bytes(400, 400, color=(0, 0, 0, 0), mode="RGBA"))
    ).cover
    assert stored_image(store, cover.url_400).mode == "RGBA"


def test_a_new_cover_replaces_the_old_one(s):
    seller = make_seller(s)
    product = new_product(s, seller)
    images.set_cover(s, seller, product.id, io.BytesIO(png_bytes(color="red")))
    view = images.set_cover(s, seller, product.id, io.BytesIO(png_bytes(color="blue")))
    rows = s.exec(select(ProductImage).where(ProductImage.product_id == product.id)).all()
    assert [row.key_800 for row in rows] == ["media/" + view.cover.url_800.removeprefix("/api/media/")]


def _png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size; the pixel data never follows."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.4 not a picture", "not an image we can use"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not an image we can use"),
        (png_bytes(fmt="BMP"), "not an image we can use"),
        (png_bytes()[:2000], "damaged or incomplete"),
        (_png_header_claiming(50_000, 50_000), "too many pixels|megapixels"),
        (_png_header_claiming(8_000, 6_000), "megapixels"),
        (png_bytes(50, 50), "at least 100 pixels"),
        (png_bytes(2000, 150), "too narrow"),
    ],
)
def test_bad_images_are_refused_clearly_and_change_nothing(s, store, data, message):
    seller = make_seller(s)
    product = new_product(s, seller)
    with pytest.raises(ValidationError, match=message) as error:
        images.set_cover(s, seller, product.id, io.BytesIO(data))
    assert error.value.field == "image"
    assert s.get(Product, product.id).cover_key is None
    assert s.exec(select(ProductImage)).all() == []
    assert not (store.root / "objects").exists()


def test_oversize_image_files_are_refused(s, monkeypatch):
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 10_000)
    seller = make_seller(s)
    product = new_product(s, seller)
    noisy = Image.effect_noise((400, 400), 100).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "PNG")
    with pytest.raises(ValidationError, match="at most 10.0 kB"):
        images.set_cover(s, seller, product.id, io.BytesIO(out.getvalue()))


def test_gallery_images_are_added_in_order_removed_and_capped(s):
    seller = make_seller(s)
    product = new_product(s, seller)
    for n in range(MAX_GALLERY_IMAGES):
        view = images.add_gallery_image(s, seller, product.id, io.BytesIO(png_bytes(300 + n, 300)))
    assert [image.width for image in view.gallery] == [300 + n for n in range(MAX_GALLERY_IMAGES)]
    with pytest.raises(ValidationError, match="at most 10 images"):
        images.add_gallery_image(s, seller, product.id, io.BytesIO(png_bytes()))
    view = images.remove_gallery_image(s, seller, view.gallery[0].id)
    assert len(view.gallery) == MAX_GALLERY_IMAGES - 1
    assert view.cover is None


def test_another_seller_cannot_change_images(s):
    owner, intruder = make_seller(s, "owner"), make_seller(s, "intruder")
    product = new_product(s, owner)
    view = images.add_gallery_image(s, owner, product.id, io.BytesIO(png_bytes()))
    with pytest.raises(PermissionDenied):
        images.remove_gallery_image(s, intruder, view.gallery[0].id)
    with pytest.raises(PermissionDenied):
        images.add_gallery_image(s, intruder, product.id, io.BytesIO(png_bytes()))
    with pytest.raises(NotFound):
        images.remove_gallery_image(s, owner, 999_999)
    assert len(s.exec(select(ProductImage)).all()) == 1
