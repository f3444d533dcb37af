"""The seller studio: the product list and the product editor.

Thin: every handler reads the form, asks `current_actor` who is acting, and calls
one catalog service, which checks that the actor owns the product. Uploads arrive
as files Starlette has already spooled to disk; each is streamed from there to
the BlobStore in a worker thread, never read whole into memory.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from commerce.catalog import files, images, keys, products, queries
from commerce.catalog.queries import SELLER_STATUS_FILTERS, SellerProductRow
from commerce.catalog.views import CategoryOption, ProductEditView, category_options
from commerce.models import DeliveryKind, PricingMode
from state import service_call
from state.catalog import Pagination, page_number
from state.form_data import text_field
from state.session import current_actor
from storefront import routes

SELLER_PER_PAGE = 20


class SellerProductsState(rx.State):
    rows: list[SellerProductRow] = []
    pagination: Pagination = Pagination()
    search: str = ""
    status_filter: str = "active"
    loaded: bool = False

    create_title_error: str = ""
    create_price_error: str = ""
    create_error: str = ""
    create_pending: bool = False

    @rx.event
    async def load(self):
        params = self.router.url.query_parameters
        search = params.get("q", "")
        status = params.get("status", "active")
        self.search = search[:100] if isinstance(search, str) else ""
        self.status_filter = status if status in SELLER_STATUS_FILTERS else "active"
        self.create_title_error = self.create_price_error = self.create_error = ""
        actor = await current_actor(self)
        result = await service_call.call(
            queries.list_seller_products,
            actor,
            search=self.search,
            status=self.status_filter,
            page=page_number(self),
            per_page=SELLER_PER_PAGE,
        )
        if result.ok:
            self.rows = result.value.items
            self.pagination = Pagination.of(result.value)
        else:
            self.rows, self.pagination = [], Pagination()
        self.loaded = True

    @rx.var
    def query_prefix(self) -> str:
        """The list's filters, kept by the pager's links."""
        filters = {
            key: value
            for key, value in (("q", self.search), ("status", self.status_filter))
            if value and not (key == "status" and value == "active")
        }
        return "?" + (urlencode(filters) + "&" if filters else "")

    @rx.event
    async def create_product(self, form_data: dict[str, Any]):
        title = text_field(form_data, "title")
        price = text_field(form_data, "price")
        pricing = text_field(form_data, "pricing") or PricingMode.FIXED
        delivery_kind = text_field(form_data, "delivery_kind") or DeliveryKind.FILES
        self.create_title_error = "" if title else "Give the product a title."
        self.create_price_error = "" if price else "Enter a price (0 for free)."
        self.create_error = ""
        if self.create_title_error or self.create_price_error:
            return
        self.create_pending = True
        yield
        actor = await current_actor(self)
        result = await service_call.call(
            products.create_product,
            actor,
            title=title,
            pricing=pricing,
            price=price,
            delivery_kind=delivery_kind,
        )
        self.create_pending = False
        if not result.ok:
            if result.field == "title":
                self.create_title_error = result.error
            elif result.field == "price":
                self.create_price_error = result.error
            else:
                self.create_error = result.error
            return
        yield rx.redirect(routes.seller_product_url(result.value.id))


def _optional_int(form_data: dict[str, Any], key: str) -> int | None | str:
    """An empty field is None (no limit); a non-number is returned as text to be refused."""
    text = text_field(form_data, key)
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 10 else text


class ProductEditorState(rx.State):
    product: ProductEditView | None = None
    categories: list[CategoryOption] = []
    not_found: bool = False
    loaded: bool = False
    # Changes whenever the product is reloaded, so the forms re-mount with fresh values.
    form_key: int = 0

    details_errors: dict[str, str] = {}
    details_notice: str = ""
    pricing_error: str = ""
    pricing_notice: str = ""
    status_error: str = ""
    image_error: str = ""
    file_error: str = ""
    upload_progress: int = 0
    uploading: str = ""  # which upload is running: "files", "cover", "gallery", "keys"
    version_error: str = ""
    version_notice: str = ""
    keys_error: str = ""
    keys_notice: str = ""
    policy_error: str = ""
    policy_notice: str = ""

    def _clear_messages(self) -> None:
        self.details_errors = {}
        self.details_notice = self.pricing_error = self.pricing_notice = self.status_error = ""
        self.image_error = self.file_error = self.version_error = self.version_notice = ""
        self.keys_error = self.keys_notice = self.policy_error = self.policy_notice = ""

    def _product_id(self) -> int | None:
        # `edit_product_id` is the dynamic segment of routes.SELLER_PRODUCT.
        raw = self.edit_product_id
        return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 12 else None

    def _show(self, view: ProductEditView) -> None:
        self.product = view
        self.form_key += 1

    async def _run(self, service, *args, **kwargs) -> service_call.Result:
        """Call a product service for the product on screen, as the signed-in actor."""
        actor = await current_actor(self)
        product_id = self._product_id()
        if product_id is None:
            return service_call.Result(error="This product does not exist.")
        return await service_call.call(service, actor, product_id, *args, **kwargs)

    @rx.event
    async def load(self):
        self._clear_messages()
        self.loaded = False
        self.uploading, self.upload_progress = "", 0
        if not self.categories:
            self.categories = (await service_call.call(category_options)).value or []
        result = await self._run(products.get_product_editor)
        self.not_found = not result.ok
        if result.ok:
            self._show(result.value)
        else:
            self.product = None
        self.loaded = True

    @rx.event
    async def save_details(self, form_data: dict[str, Any]):
        self._clear_messages()
        result = await self._run(
            products.update_product,
            title=text_field(form_data, "title"),
            slug=text_field(form_data, "slug") or None,
            summary=text_field(form_data, "summary"),
            description=form_data.get("description") if isinstance(form_data.get("description"), str) else "",
            category_slug=text_field(form_data, "category"),
            tags=text_field(form_data, "tags"),
        )
        if not result.ok:
            self.details_errors = {result.field or "form": result.error}
            return
        self._show(result.value)
        self.details_notice = "Saved."

    @rx.event
    async def save_pricing(self, form_data: dict[str, Any]):
        self._clear_messages()
        result = await self._run(
            products.set_pricing,
            pricing=text_field(form_data, "pricing"),
            price=text_field(form_data, "price"),
        )
        if not result.ok:
            self.pricing_error = result.error
            return
        self._show(result.value)
        self.pricing_notice = "Price saved. Orders already placed keep the price they were paid at."

    @rx.event
    async def set_delivery_kind(self, kind: str):
        self._clear_messages()
        result = await self._run(products.set_delivery_kind, kind if isinstance(kind, str) else "")
        if not result.ok:
            self.status_error = result.error
            return
        self._show(result.value)

    async def _change_status(self, service):
        self._clear_messages()
        result = await self._run(service)
        if not result.ok:
            self.status_error = result.error
            return
        self._show(result.value)

    @rx.event
    async def publish(self):
        await self._change_status(products.publish_product)

    @rx.event
    async def unpublish(self):
        await self._change_status(products.unpublish_product)

    @rx.event
    async def archive(self):
        await self._change_status(products.archive_product)

    # Uploads (the files arrive already spooled to disk by Starlette).

    @rx.event
    def upload_progressed(self, progress: dict):
        value = progress.get("progress") if isinstance(progress, dict) else None
        if isinstance(value, (int, float)):
            self.upload_progress = max(0, min(100, round(value * 100)))

    async def _upload_each(self, kind: str, uploads: list[rx.UploadFile], store_one) -> str:
        """Send each upload to `store_one(file) -> Result`; returns the first error, if any."""
        self.uploading, self.upload_progress = kind, 0
        error = ""
        for upload in uploads:
            result = await store_one(upload)
            if not result.ok:
                error = f"{upload.filename or 'The file'}: {result.error}"
                break
            self._show(result.value)
        self.uploading = ""
        return error

    @rx.event
    async def upload_files(self, uploads: list[rx.UploadFile]):
        self._clear_messages()
        self.file_error = await self._upload_each(
            "files",
            uploads,
            lambda upload: self._run(files.upload_file, upload.file, filename=upload.filename or ""),
        )
        return rx.clear_selected_files("file-upload")

    @rx.event
    async def upload_cover(self, uploads: list[rx.UploadFile]):
        self._clear_messages()
        self.image_error = await self._upload_each(
            "cover", uploads[:1], lambda upload: self._run(images.set_cover, upload.file)
        )
        return rx.clear_selected_files("cover-upload")

    @rx.event
    async def upload_gallery(self, uploads: list[rx.UploadFile]):
        self._clear_messages()
        self.image_error = await self._upload_each(
            "gallery", uploads, lambda upload: self._run(images.add_gallery_image, upload.file)
        )
        return rx.clear_selected_files("gallery-upload")

    @rx.event
    async def import_key_file(self, uploads: list[rx.UploadFile]):
        self._clear_messages()
        if not uploads:
            return
        data = await asyncio.to_thread(uploads[0].file.read, keys.MAX_IMPORT_BYTES + 1)
        if len(data) > keys.MAX_IMPORT_BYTES:
            self.keys_error = "That file is too large: import at most 2 MB of keys at a time."
        else:
            try:
                await self._import(data.decode("utf-8-sig"))
            except UnicodeDecodeError:
                self.keys_error = "That file is not UTF-8 text; export the keys as a CSV or plain text file."
        return rx.clear_selected_files("keys-upload")

    @rx.event
    async def import_pasted_keys(self, form_data: dict[str, Any]):
        self._clear_messages()
        text = form_data.get("keys")
        await self._import(text if isinstance(text, str) else "")

    async def _import(self, text: str) -> None:
        actor = await current_actor(self)
        product_id = self._product_id()
        result = await service_call.call(keys.import_license_keys, actor, product_id or 0, text)
        if not result.ok:
            self.keys_error = result.error
            return
        self.keys_notice = result.value.message
        editor = await self._run(products.get_product_editor)
        if editor.ok:
            self._show(editor.value)

    @rx.event
    async def save_license_policy(self, form_data: dict[str, Any]):
        self._clear_messages()
        limits = {name: _optional_int(form_data, name) for name in ("activation_limit", "expiry_days", "usage_limit")}
        result = await self._run(
            keys.set_license_policy,
            source=text_field(form_data, "source"),
            prefix=text_field(form_data, "prefix"),
            **limits,
        )
        if not result.ok:
            self.policy_error = result.error
            return
        self._show(result.value)
        self.policy_notice = "Key settings saved."

    # Files and versions.

    @rx.event
    async def create_version(self, form_data: dict[str, Any]):
        self._clear_messages()
        result = await self._run(
            files.create_version,
            label=text_field(form_data, "label"),
            release_notes=form_data.get("release_notes") if isinstance(form_data.get("release_notes"), str) else "",
            carry_over_files=form_data.get("carry_over") in ("on", True, "true"),
        )
        if not result.ok:
            self.version_error = result.error
            return
        self._show(result.value)
        self.version_notice = (
            "New version started as a draft: upload its files, then release it. "
            "Buyers see it and are told about it only once it is released."
        )

    @rx.event
    async def release_version(self):
        self._clear_messages()
        result = await self._run(files.release_version)
        if not result.ok:
            self.version_error = result.error
            return
        self._show(result.value)
        self.version_notice = "Version released: buyers see it in their library and get an update email."

    @rx.event
    async def remove_file(self, file_id: int):
        self._clear_messages()
        actor = await current_actor(self)
        result = await service_call.call(files.remove_file, actor, int(file_id) if str(file_id).isdigit() else 0)
        if not result.ok:
            self.file_error = result.error
            return
        self._show(result.value)

    @rx.event
    async def set_stamping(self, file_id: int, enabled: bool):
        self._clear_messages()
        actor = await current_actor(self)
        result = await service_call.call(
            files.set_pdf_stamping, actor, int(file_id) if str(file_id).isdigit() else 0, bool(enabled)
        )
        if not result.ok:
            self.file_error = result.error
            return
        self._show(result.value)

    @rx.event
    async def remove_gallery_image(self, image_id: int):
        self._clear_messages()
        actor = await current_actor(self)
        result = await service_call.call(
            images.remove_gallery_image, actor, int(image_id) if str(image_id).isdigit() else 0
        )
        if not result.ok:
            self.image_error = result.error
            return
        self._show(result.value)

    @rx.var
    def status_label(self) -> str:
        if self.product is None:
            return ""
        return queries.status_label(self.product.status, self.product.moderation_status)
