"""Cover and gallery images, resized into WebP thumbnails once, at upload.

An upload is decoded with Pillow (JPEG, PNG, WebP, GIF or AVIF, checked from the
bytes, not the name), turned upright from its EXIF orientation, and saved as WebP
at 400, 800 and 1600 pixels wide (never upscaled). The thumbnails are stored under
content-addressed keys `media/images/<sha256>.webp`, so their URLs never change
meaning and are cached for a year by /api/media. The original is not kept: it may
carry EXIF data (GPS position) the seller never meant to publish.

Blobs are shared by identical images and are not deleted when an image is
removed; they are small and a product page cached elsewhere may still show them.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func
from sqlmodel import Session, select

from commerce import storage
from commerce.actor import Actor
from commerce.catalog.access import owned_product
from commerce.catalog.changes import touch
from commerce.catalog.uploads import read_head
from commerce.catalog.views import THUMBNAIL_WIDTHS, ProductEditView, format_size, product_edit_view
from commerce.errors import NotFound, ValidationError
from commerce.i18n import bo_gettext
from commerce.models import ImageRole, ProductImage, saved_id
from commerce.storage.port import BlobStore

MAX_IMAGE_BYTES = 20 * 1024 * 1024
# Pixels decoded at most: 40 megapixels is a 7300x5500 photo, about 160 MB of
# RGBA in memory. Anything bigger is refused before it is decoded.
MAX_IMAGE_PIXELS = 40_000_000
MIN_IMAGE_SIDE = 100
MAX_ASPECT_RATIO = 10
MAX_GALLERY_IMAGES = 10
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "AVIF")
WEBP_QUALITY = 82


@dataclass(frozen=True)
class Thumbnails:
    width: int
    height: int
    keys: tuple[str, str, str]  # for THUMBNAIL_WIDTHS, in order


def _decode(data: bytes) -> Image.Image:
    """The upright image in RGB(A), or a ValidationError saying what is wrong with the file."""
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice its limit; treat it as the error it is.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image: Image.Image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except UnidentifiedImageError:
            raise ValidationError(
                bo_gettext("This file is not an image we can use: upload a JPEG, PNG, WebP, GIF or AVIF picture."),
                "image",
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(bo_gettext("This image has too many pixels to process safely."), "image") from None
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise ValidationError(
                bo_gettext(
                    "This image is {width}x{height} pixels; images can have at most {megapixels} megapixels.",
                    width=width,
                    height=height,
                    megapixels=MAX_IMAGE_PIXELS // 1_000_000,
                ),
                "image",
            )
        if min(width, height) < MIN_IMAGE_SIDE:
            raise ValidationError(
                bo_gettext(
                    "This image is {width}x{height} pixels; it needs to be at least {side} pixels on each side.",
                    width=width,
                    height=height,
                    side=MIN_IMAGE_SIDE,
                ),
                "image",
            )
        if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
            raise ValidationError(
                bo_gettext(
                    "This image is {width}x{height} pixels, too narrow to show well; "
                    "keep the long side under {ratio} times the short side.",
                    width=width,
                    height=height,
                    ratio=MAX_ASPECT_RATIO,
                ),
                "image",
            )
        try:
            image.load()
            image = ImageOps.exif_transpose(image)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise ValidationError(
                bo_gettext("This image file is damaged or incomplete and cannot be read."), "image"
            ) from None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    return image.convert("RGBA" if has_alpha else "RGB")


def _webp(image: Image.Image, width: int) -> bytes:
    if image.width > width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def make_thumbnails(stream: BinaryIO, store: BlobStore) -> Thumbnails:
    """Decode an uploaded image and store its WebP thumbnails; refuses bad images clearly."""
    head = read_head(stream, MAX_IMAGE_BYTES + 1)
    if not head:
        raise ValidationError(bo_gettext("The image file is empty."), "image")
    if len(head) > MAX_IMAGE_BYTES:
        raise ValidationError(f"Images can be at most {format_size(MAX_IMAGE_BYTES)}.", "image")
    image = _decode(head)
    keys: list[str] = []
    previous: tuple[int, str] | None = None
    for slot in THUMBNAIL_WIDTHS:
        width = min(slot, image.width)
        if previous is not None and previous[0] == width:
            keys.append(previous[1])  # the image is narrower than this slot
            continue
        data = _webp(image, width)
        key = f"media/images/{hashlib.sha256(data).hexdigest()}.webp"
        if not store.exists(key):
            store.put(key, io.BytesIO(data), content_type="image/webp")
        keys.append(key)
        previous = (width, key)
    return Thumbnails(width=image.width, height=image.height, keys=(keys[0], keys[1], keys[2]))


def set_cover(
    s: Session, actor: Actor, product_id: int, stream: BinaryIO, *, store: BlobStore | None = None
) -> ProductEditView:
    """Replace the product's cover picture (the card shows its 800 px thumbnail)."""
    product, shop = owned_product(s, actor, product_id)
    thumbs = make_thumbnails(stream, store or storage.blob_store())
    for old in s.exec(
        select(ProductImage).where(ProductImage.product_id == product.id, ProductImage.role == ImageRole.COVER)
    ).all():
        s.delete(old)
    s.add(_image_row(saved_id(product), ImageRole.COVER, 0, thumbs))
    product.cover_key = thumbs.keys[1]
    touch(product)
    return product_edit_view(s, product, shop)


def add_gallery_image(
    s: Session, actor: Actor, product_id: int, stream: BinaryIO, *, store: BlobStore | None = None
) -> ProductEditView:
    product, shop = owned_product(s, actor, product_id)
    count, last = s.exec(
        select(func.count(), func.max(ProductImage.position)).where(
            ProductImage.product_id == product.id, ProductImage.role == ImageRole.GALLERY
        )
    ).one()
    if count >= MAX_GALLERY_IMAGES:
        raise ValidationError(f"A gallery can hold at most {MAX_GALLERY_IMAGES} images.", "image")
    thumbs = make_thumbnails(stream, store or storage.blob_store())
    s.add(_image_row(saved_id(product), ImageRole.GALLERY, (last or 0) + 1, thumbs))
    touch(product, searchable=False)
    return product_edit_view(s, product, shop)


def remove_gallery_image(s: Session, actor: Actor, image_id: int) -> ProductEditView:
    image = s.get(ProductImage, image_id)
    if image is None or image.role != ImageRole.GALLERY:
        raise NotFound("This gallery image does not exist.")
    product, shop = owned_product(s, actor, image.product_id)
    s.delete(image)
    touch(product, searchable=False)
    return product_edit_view(s, product, shop)


def _image_row(product_id: int, role: ImageRole, position: int, thumbs: Thumbnails) -> ProductImage:
    return ProductImage(
        product_id=product_id,
        role=role,
        position=position,
        width=thumbs.width,
        height=thumbs.height,
        key_400=thumbs.keys[0],
        key_800=thumbs.keys[1],
        key_1600=thumbs.keys[2],
    )
