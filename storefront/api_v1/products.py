"""/products: list, read, create a draft, update, publish; its cover picture and uploading its files."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from commerce.actor import Actor
from commerce.api import products, schemas
from commerce.api.scopes import Access, Resource
from commerce.catalog.images import MAX_IMAGE_BYTES, MIN_IMAGE_SIDE
from storefront.api_v1.auth import acting
from storefront.api_v1.common import IDEMPOTENT, Cursor, Id, Limit, run
from storefront.api_v1.problems import COMMON, responses

router = APIRouter(prefix="/products", tags=["Products"], responses=responses(*COMMON))
Reader = Annotated[Actor, Depends(acting(Resource.PRODUCTS, Access.READ))]
Writer = Annotated[Actor, Depends(acting(Resource.PRODUCTS, Access.WRITE))]


@router.get("", summary="List products", description="Newest first. Scope: `products:read`.")
def list_products(
    actor: Reader,
    cursor: Cursor = None,
    limit: Limit = 25,
    status: Literal["draft", "published", "archived"] | None = None,
) -> schemas.ProductList:
    return run(products.list_products, actor, status=status, cursor_text=cursor, limit=limit)


@router.get("/{product_id}", summary="Read a product", description="Scope: `products:read`.")
def get_product(actor: Reader, product_id: Id) -> schemas.Product:
    return run(products.get_product, actor, product_id)


@router.post(
    "",
    status_code=201,
    dependencies=IDEMPOTENT,
    responses=responses(413),
    summary="Create a draft",
    description="A draft with a title and a price in the shop's currency. Scope: `products:write`.",
)
def create_product(actor: Writer, body: schemas.ProductCreate) -> schemas.Product:
    return run(products.create_product, actor, body)


@router.patch(
    "/{product_id}",
    summary="Update a product",
    description="Only the fields sent change. A published product's slug is fixed. Scope: `products:write`.",
)
def update_product(actor: Writer, product_id: Id, body: schemas.ProductUpdate) -> schemas.Product:
    return run(products.update_product, actor, product_id, body)


@router.post(
    "/{product_id}/publish",
    dependencies=IDEMPOTENT,
    responses=responses(413),
    summary="Publish a product",
    description="Puts it up for sale; buyers see it once an administrator approves it. "
    "Refused (422) while `publish_problems` is not empty. Scope: `products:write`.",
)
def publish_product(actor: Writer, product_id: Id) -> schemas.Product:
    return run(products.publish_product, actor, product_id)


_IMAGE_BODY = {"schema": {"type": "string", "format": "binary"}}


@router.put(
    "/{product_id}/cover",
    responses=responses(413),
    summary="Set a product's cover picture",
    description="The request body is the image itself (`Content-Type: image/png`, `image/jpeg` or "
    f"`image/webp`, at most {MAX_IMAGE_BYTES // (1024 * 1024)} MB, at least {MIN_IMAGE_SIDE} px a side); "
    "it replaces the current cover. Scope: `products:write`.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {kind: _IMAGE_BODY for kind in ("image/png", "image/jpeg", "image/webp")},
        }
    },
)
async def set_cover(actor: Writer, product_id: Id, request: Request) -> schemas.Product:
    image = bytearray()
    async for chunk in request.stream():
        image += chunk
        if len(image) > MAX_IMAGE_BYTES:
            raise HTTPException(413, f"The image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB.")
    if not image:
        raise RequestValidationError([{"loc": ("body",), "msg": "Send the image as the request body."}])
    return await run_in_threadpool(run, products.set_cover, actor, product_id, bytes(image))


@router.post(
    "/{product_id}/uploads",
    status_code=201,
    dependencies=IDEMPOTENT,
    responses=responses(413),
    summary="Start a file upload",
    description="Answers a signed URL per part: PUT each part's bytes to its URL, then complete the "
    "upload. The file joins the product's latest version. Scope: `products:write`.",
)
def start_upload(actor: Writer, product_id: Id, body: schemas.UploadCreate) -> schemas.Upload:
    return run(products.start_upload, actor, product_id, body)


@router.post(
    "/{product_id}/uploads/{upload_id}/complete",
    dependencies=IDEMPOTENT,
    responses=responses(413),
    summary="Complete a file upload",
    description="Checks every part arrived, sniffs the file's type, and lists it. Scope: `products:write`.",
)
def complete_upload(
    actor: Writer,
    product_id: Id,
    upload_id: Annotated[str, Path(min_length=1, max_length=200)],
    body: schemas.UploadComplete,
) -> schemas.Product:
    return run(products.complete_upload, actor, product_id, upload_id, body)
