"""Products and their files through the API: the studio's catalogue services, as the key's shop."""

from __future__ import annotations

import io

from sqlmodel import Session, col, select

from commerce.actor import Actor
from commerce.api import cursor, schemas
from commerce.catalog import direct_uploads, images, products
from commerce.catalog.access import actor_shop
from commerce.catalog.views import ProductEditView, product_edit_view
from commerce.errors import NotFound, ValidationError
from commerce.kit.choices import parse_choice
from commerce.models import Product, ProductStatus, saved_id
from commerce.money import Money
from commerce.storage.multipart import part_count


def product_document(view: ProductEditView) -> schemas.Product:
    return schemas.Product(
        id=view.id,
        slug=view.slug,
        title=view.title,
        summary=view.summary,
        description=view.description,
        category=view.category_slug or None,
        tags=list(view.tags),
        pricing=view.pricing.value,
        price=schemas.Money(amount=view.price_amount, currency=view.currency),
        delivery_kind=view.delivery_kind.value,
        status=view.status.value,
        moderation_status=view.moderation_status.value,
        rejection_reason=view.rejection_reason or None,
        live=view.is_live,
        url=view.public_url,
        cover_url=view.cover.url_800 if view.cover else None,
        publish_problems=list(view.publish_problems),
        versions=[
            schemas.ProductVersion(
                id=version.id,
                number=version.number,
                release_notes=version.release_notes,
                created_at=version.created_at,
                released_at=version.released_at,
                files=[
                    schemas.ProductFile(
                        id=file.id,
                        filename=file.filename,
                        size_bytes=file.size_bytes,
                        content_type=file.content_type,
                        sha256=file.sha256,
                    )
                    for file in version.files
                ],
            )
            for version in view.versions
        ],
        created_at=view.created_at,
        updated_at=view.updated_at,
        published_at=view.published_at,
    )


def _own(s: Session, actor: Actor, product_id: int) -> Product:
    """The shop's product; another shop's product is "not found", as if it did not exist."""
    shop = actor_shop(s, actor)
    product = s.get(Product, product_id)
    if product is None or product.shop_id != shop.id:
        raise NotFound("This product does not exist.")
    return product


def list_products(
    s: Session, actor: Actor, *, status: str | None = None, cursor_text: str | None = None, limit: int | None = None
) -> schemas.ProductList:
    shop = actor_shop(s, actor)
    size = cursor.limit_of(limit)
    before = cursor.decode(cursor_text)
    query = select(Product).where(Product.shop_id == saved_id(shop))
    if status is not None:
        wanted = parse_choice(ProductStatus, status)
        if wanted is None:
            raise ValidationError("Filter by draft, published or archived.", "status")
        query = query.where(Product.status == wanted)
    if before is not None:
        query = query.where(col(Product.id) < before)
    rows, next_cursor = cursor.page_of(
        list(s.exec(query.order_by(col(Product.id).desc()).limit(size + 1)).all()), size, saved_id
    )
    return schemas.ProductList(
        data=[product_document(product_edit_view(s, row, shop)) for row in rows], next_cursor=next_cursor
    )


def get_product(s: Session, actor: Actor, product_id: int) -> schemas.Product:
    _own(s, actor, product_id)
    return product_document(products.get_product_editor(s, actor, product_id))


def _price_text(price: schemas.MoneyIn, currency: str) -> str:
    return str(Money(price.amount, price.currency or currency).to_decimal())


def create_product(s: Session, actor: Actor, body: schemas.ProductCreate) -> schemas.Product:
    shop = actor_shop(s, actor)
    view = products.create_product(
        s,
        actor,
        title=body.title,
        pricing=body.pricing,
        price=_price_text(body.price, shop.currency),
        currency=body.price.currency,
        delivery_kind=body.delivery_kind,
    )
    return product_document(view)


def update_product(s: Session, actor: Actor, product_id: int, body: schemas.ProductUpdate) -> schemas.Product:
    """Only the fields sent change; each through the studio's own service."""
    product = _own(s, actor, product_id)
    sent = body.model_fields_set
    texts: dict[str, object] = {
        name: getattr(body, name) for name in ("title", "slug", "summary", "description") if name in sent
    }
    if any(value is None for value in texts.values()):
        raise ValidationError(
            "Send a text, or leave the field out to keep it.", next(k for k, v in texts.items() if v is None)
        )
    if "category" in sent:
        texts["category_slug"] = body.category or ""
    if "tags" in sent:
        texts["tags"] = body.tags or []
    view = products.update_product(s, actor, product_id, **texts)  # type: ignore[arg-type]
    if "pricing" in sent or "price" in sent:
        price = body.price or schemas.MoneyIn(amount=product.price_amount)
        view = products.set_pricing(
            s,
            actor,
            product_id,
            pricing=body.pricing or product.pricing,
            price=_price_text(price, product.currency),
            currency=price.currency,
        )
    if "delivery_kind" in sent and body.delivery_kind is not None:
        view = products.set_delivery_kind(s, actor, product_id, body.delivery_kind)
    return product_document(view)


def publish_product(s: Session, actor: Actor, product_id: int) -> schemas.Product:
    _own(s, actor, product_id)
    return product_document(products.publish_product(s, actor, product_id))


def set_cover(s: Session, actor: Actor, product_id: int, image: bytes) -> schemas.Product:
    """The product's cover picture, from the image's bytes (PNG, JPEG or WebP)."""
    _own(s, actor, product_id)
    return product_document(images.set_cover(s, actor, product_id, io.BytesIO(image)))


def start_upload(s: Session, actor: Actor, product_id: int, body: schemas.UploadCreate) -> schemas.Upload:
    """An upload of one file to the product's latest version: where to PUT each part."""
    _own(s, actor, product_id)
    ticket = direct_uploads.start_file_upload(s, actor, product_id, filename=body.filename, size=body.size)
    parts = [
        schemas.UploadPart(
            number=number, url=direct_uploads.file_upload_part_url(actor, ticket.key, ticket.upload_id, number)
        )
        for number in range(1, part_count(body.size, ticket.part_size) + 1)
    ]
    return schemas.Upload(upload_id=ticket.upload_id, key=ticket.key, part_size=ticket.part_size, parts=parts)


def complete_upload(
    s: Session, actor: Actor, product_id: int, upload_id: str, body: schemas.UploadComplete
) -> schemas.Product:
    _own(s, actor, product_id)
    etags: dict[int, str] | None = None
    if body.etags is not None:
        try:
            etags = {int(number): tag for number, tag in body.etags.items()}
        except ValueError:
            raise ValidationError("ETags are given by part number.", "etags") from None
    # The ticket names the product it was opened for (and is signed for this shop's owner).
    return product_document(direct_uploads.complete_file_upload(s, actor, body.key, upload_id, client_etags=etags))
