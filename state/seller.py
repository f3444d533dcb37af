"""The seller studio: the product list and the product editor.

Thin: every handler reads the form and calls one catalog service as the session's actor,
which checks that the actor owns the product. Product files do not pass through here:
the page's uploader sends them in parts to the upload routes. Pictures and key files
arrive as files Starlette has already spooled to disk; each is streamed from there to
the BlobStore in a worker thread (the service call's), never read whole into memory.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import reflex as rx

import routes
from commerce.catalog import files, images, keys, products, queries, translations
from commerce.catalog.languages import translation_language
from commerce.catalog.queries import SELLER_STATUS_FILTERS, SellerProductRow
from commerce.catalog.views import CategoryOption, ProductEditView, TranslationView, category_options
from commerce.config import get_settings
from commerce.i18n import bo_gettext, bo_N_
from commerce.kit.ids import parse_id
from commerce.models import DeliveryKind, PricingMode
from state import service_call
from state.form_data import form_errors, missing, number_field, text_field, text_fields
from state.page import PageState, Pagination, ServiceState, page_number, paged
from state.service_call import Result

SELLER_PER_PAGE = 20
# The product details form's fields, by the names the catalog service gives its errors.
DETAILS_FIELDS = ("title", "slug", "summary", "description", "category", "tags")
TRANSLATION_FIELDS = ("title", "summary", "description")
NEW_PRODUCT_REQUIRED = {"title": bo_N_("Give the product a title."), "price": bo_N_("Enter a price (0 for free).")}


class SellerProductsState(ServiceState, rx.State):
    rows: list[SellerProductRow] = []
    pagination: Pagination = Pagination()
    search: str = ""
    status_filter: str = "active"
    loaded: bool = False

    # The new-product form's errors: "title", "price" or "form".
    create_errors: dict[str, str] = {}
    create_pending: bool = False

    @rx.event
    async def load(self):
        params = self.router.url.query_parameters
        search = params.get("q", "")
        status = params.get("status", "active")
        self.search = search[:100] if isinstance(search, str) else ""
        self.status_filter = status if status in SELLER_STATUS_FILTERS else "active"
        self.create_errors = {}
        result = await self._call(
            queries.list_seller_products,
            search=self.search,
            status=self.status_filter,
            page=page_number(self),
            per_page=SELLER_PER_PAGE,
        )
        self.rows, self.pagination = paged(result)
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
        self.create_errors = {
            name: bo_gettext(message)
            for name, message in missing({"title": title, "price": price}, NEW_PRODUCT_REQUIRED).items()
        }
        if self.create_errors:
            return
        self.create_pending = True
        yield
        result = await self._call(
            products.create_product,
            title=title,
            pricing=text_field(form_data, "pricing") or PricingMode.FIXED,
            price=price,
            delivery_kind=text_field(form_data, "delivery_kind") or DeliveryKind.FILES,
        )
        self.create_pending = False
        self.create_errors = form_errors(result, ("title", "price"))
        if not result.ok:
            return
        yield rx.redirect(routes.seller_product_url(result.value.id))


class ProductEditorState(PageState, rx.State):
    product: ProductEditView | None = None
    categories: list[CategoryOption] = []
    not_found: bool = False
    # The part of the editor the error or notice is about: "details", "pricing", "status",
    # "image", "file", "version", "keys" or "policy" (the page shows it there).
    section: str = ""
    # The details form shows its error next to the field the service named.
    details_errors: dict[str, str] = {}
    # The language whose translation the translations form edits, and that form's errors.
    translation_lang: str = "de"
    translation_errors: dict[str, str] = {}
    upload_progress: int = 0
    uploading: str = ""  # which picture or key upload is running: "cover", "gallery", "keys"
    files_uploading: bool = False  # the product-file uploader is sending files
    max_upload_bytes: int = 0

    def _product_id(self) -> int:
        # `edit_product_id` is the dynamic segment of routes.SELLER_PRODUCT.
        return parse_id(self.edit_product_id) or 0

    def _show(self, view: ProductEditView) -> None:
        self.product = view

    async def _edit(self, section: str, service, *args, done: str = "", **kwargs) -> Result:
        """A change in one part of the editor; the service answers with the editor's new view."""
        self.section, self.details_errors, self.translation_errors = section, {}, {}
        return await self._act(service, *args, done=done, show=self._show, **kwargs)

    async def _edit_product(self, section: str, service, *args, done: str = "", **kwargs) -> Result:
        """`_edit` with a service that takes the product on screen first."""
        return await self._edit(section, service, self._product_id(), *args, done=done, **kwargs)

    async def _reload(self) -> None:
        result = await self._call(products.get_product_editor, self._product_id())
        if result.ok:
            self._show(result.value)

    @rx.event
    async def load(self):
        self.section, self.details_errors, self.error, self.notice = "", {}, "", ""
        self.loaded = False
        self.uploading, self.upload_progress, self.files_uploading = "", 0, False
        self.max_upload_bytes = get_settings().max_upload_bytes
        if not self.categories:
            self.categories = (await service_call.call(category_options)).value or []
        result = await self._call(products.get_product_editor, self._product_id())
        self.not_found, self.product = not result.ok, result.value
        self.form_key += 1
        self.loaded = True

    @rx.event
    async def save_details(self, form_data: dict[str, Any]):
        result = await self._edit_product(
            "details",
            products.update_product,
            title=text_field(form_data, "title"),
            slug=text_field(form_data, "slug") or None,
            summary=text_field(form_data, "summary"),
            description=form_data.get("description") if isinstance(form_data.get("description"), str) else "",
            category_slug=text_field(form_data, "category"),
            tags=text_field(form_data, "tags"),
            done=bo_gettext("Saved."),
        )
        if not result.ok:
            self.details_errors, self.error = form_errors(result, DETAILS_FIELDS), ""

    # Translations: one language at a time, chosen above the form.

    @rx.event
    def choose_translation(self, lang: str):
        if translation_language(lang) is not None:
            self.translation_lang = str(lang)
            self.translation_errors = {}

    @rx.var
    def translation(self) -> TranslationView | None:
        """What the seller saved in the chosen language (empty fields when nothing yet)."""
        if self.product is None:
            return None
        return next((item for item in self.product.translations if item.lang == self.translation_lang), None)

    @rx.event
    async def save_translation(self, form_data: dict[str, Any]):
        result = await self._edit_product(
            "translation",
            translations.save_translation,
            lang=self.translation_lang,
            title=text_field(form_data, "title"),
            summary=text_field(form_data, "summary"),
            description=form_data.get("description") if isinstance(form_data.get("description"), str) else "",
            done=bo_gettext("Translation saved. Buyers who read this language see it now."),
        )
        if not result.ok:
            self.translation_errors, self.error = form_errors(result, TRANSLATION_FIELDS), ""

    @rx.event
    async def remove_translation(self):
        await self._edit_product(
            "translation",
            translations.remove_translation,
            self.translation_lang,
            done=bo_gettext("Translation removed. Buyers who read this language see the original."),
        )

    @rx.event
    async def save_pricing(self, form_data: dict[str, Any]):
        await self._edit_product(
            "pricing",
            products.set_pricing,
            **text_fields(form_data, "pricing", "price"),
            done=bo_gettext("Price saved. Orders already placed keep the price they were paid at."),
        )

    @rx.event
    async def set_delivery_kind(self, kind: str):
        await self._edit_product("status", products.set_delivery_kind, kind if isinstance(kind, str) else "")

    @rx.event
    async def publish(self):
        await self._edit_product("status", products.publish_product)

    @rx.event
    async def unpublish(self):
        await self._edit_product("status", products.unpublish_product)

    @rx.event
    async def archive(self):
        await self._edit_product("status", products.archive_product)

    # Product files go through Uppy (components/uploader.py) and the upload routes
    # (storefront/api_uploads.py), in parts, never through this state; it only hears
    # when the uploader is busy and when a file has landed.

    @rx.event
    def set_files_uploading(self, busy: bool):
        self.files_uploading = bool(busy)

    @rx.event
    async def file_uploaded(self, name: str):
        self.section, self.error = "file", ""
        self.notice = (
            bo_gettext("{name} is uploaded.", name=name)
            if isinstance(name, str)
            else bo_gettext("The file is uploaded.")
        )
        await self._reload()

    # Pictures and key files (20 MB at most) come through Reflex's upload, which Starlette
    # spools to disk; the progress arrives during the transfer, before the handler runs.

    def _progressed(self, kind: str, progress: dict) -> None:
        value = progress.get("progress") if isinstance(progress, dict) else None
        if isinstance(value, (int, float)):
            self.uploading = kind
            self.upload_progress = max(0, min(100, round(value * 100)))

    @rx.event
    def cover_progressed(self, progress: dict):
        self._progressed("cover", progress)

    @rx.event
    def gallery_progressed(self, progress: dict):
        self._progressed("gallery", progress)

    @rx.event
    def keys_progressed(self, progress: dict):
        self._progressed("keys", progress)

    async def _upload(self, kind: str, uploads: list[rx.UploadFile], store) -> None:
        """Hand each upload to `store(upload)` (one change each); stops at the first refusal."""
        self.uploading = kind
        for upload in uploads:
            result = await store(upload)
            if not result.ok:
                self.error = bo_gettext("{file}: {error}", file=upload.filename or "?", error=result.error)
                break
        self.uploading, self.upload_progress = "", 0

    @rx.event
    async def upload_cover(self, uploads: list[rx.UploadFile]):
        await self._upload(
            "cover", uploads[:1], lambda upload: self._edit_product("image", images.set_cover, upload.file)
        )

    @rx.event
    async def upload_gallery(self, uploads: list[rx.UploadFile]):
        await self._upload(
            "gallery", uploads, lambda upload: self._edit_product("image", images.add_gallery_image, upload.file)
        )

    async def _import_keys(self, service, source) -> None:
        """Keys into the inventory: the report is the notice, and the editor is read again."""
        self.section, self.details_errors = "keys", {}
        await self._act(service, self._product_id(), source, done=lambda report: report.message)

    @rx.event
    async def import_key_file(self, uploads: list[rx.UploadFile]):
        self.uploading = "keys"
        if uploads:
            await self._import_keys(keys.import_license_key_file, uploads[0].file)
        self.uploading, self.upload_progress = "", 0

    @rx.event
    async def import_pasted_keys(self, form_data: dict[str, Any]):
        text = form_data.get("keys")
        await self._import_keys(keys.import_license_keys, text if isinstance(text, str) else "")

    @rx.event
    async def save_license_policy(self, form_data: dict[str, Any]):
        await self._edit_product(
            "policy",
            keys.set_license_policy,
            **text_fields(form_data, "source", "prefix"),
            **{name: number_field(form_data, name) for name in ("activation_limit", "expiry_days", "usage_limit")},
            done=bo_gettext("Key settings saved."),
        )

    # Files and versions.

    @rx.event
    async def create_version(self, form_data: dict[str, Any]):
        await self._edit_product(
            "version",
            files.create_version,
            label=text_field(form_data, "label"),
            release_notes=form_data.get("release_notes") if isinstance(form_data.get("release_notes"), str) else "",
            carry_over_files=form_data.get("carry_over") in ("on", True, "true"),
            done=bo_gettext(
                "New version started as a draft: upload its files, then release it. "
                "Buyers see it and are told about it only once it is released."
            ),
        )

    @rx.event
    async def release_version(self):
        await self._edit_product(
            "version",
            files.release_version,
            done=bo_gettext("Version released: buyers see it in their library and get an update email."),
        )

    @rx.event
    async def remove_file(self, file_id: int):
        await self._edit("file", files.remove_file, parse_id(file_id) or 0)

    @rx.event
    async def set_online_only(self, file_id: int, enabled: bool):
        await self._edit("file", files.set_file_online_only, parse_id(file_id) or 0, bool(enabled))

    @rx.event
    async def prepare_streaming_again(self, file_id: int):
        await self._edit("file", files.prepare_streaming_again, parse_id(file_id) or 0)

    @rx.event
    async def remove_gallery_image(self, image_id: int):
        await self._edit("image", images.remove_gallery_image, parse_id(image_id) or 0)

    @rx.var
    def status_label(self) -> str:
        if self.product is None:
            return ""
        return queries.status_label(self.product.status, self.product.moderation_status)
