"""Buyer pages of the catalog: home sections, category, shop and product pages.

Each page's on_load reads its route segment and `?page=`, asks one catalog query,
and keeps the view model. Nothing here decides visibility: the queries do.
"""

from __future__ import annotations

import reflex as rx

from commerce import i18n
from commerce.catalog import queries
from commerce.catalog.queries import (
    CategoryPageView,
    ProductCardView,
    ProductPageView,
    ShopPageView,
)
from commerce.config import get_settings
from commerce.i18n import gettext
from state import service_call
from state.analytics import track
from state.language import speaking
from state.page import Pagination, page_number, paged
from state.service_call import Result
from state.session import current_actor

PER_PAGE = 24


class CatalogListingState(rx.State, mixin=True):
    """A category's or a shop's page: the listing itself and one page of its products."""

    products: list[ProductCardView] = []
    pagination: Pagination = Pagination()
    not_found: bool = False
    # The shop exists but is suspended: buyers are told it is unavailable.
    unavailable: bool = False
    loaded: bool = False
    # The listing `load` last ran for (its slug): as on the product page, a tab that opens
    # another shop or category is first sent its state as it was.
    loaded_for: str = ""

    def _address(self) -> str:
        """The slug this page's address names."""
        raise NotImplementedError

    @rx.var
    def loaded_here(self) -> bool:
        """Loaded for the listing this page's address names: until then the page shows its
        spinner, not the last listing (whose cards would open that one's products)."""
        return self.loaded and self.loaded_for == self._address()

    async def _open(self, query) -> Result:
        language = await speaking(self)
        self.loaded = False
        slug = self._address()
        # Products' cards in the sellers' translations into the tab's language, where they have one.
        result = await service_call.call(query, slug, page=page_number(self), per_page=PER_PAGE, lang=language)
        self.not_found = not result.ok
        self.unavailable = result.error == queries.SHOP_UNAVAILABLE
        self.products, self.pagination = paged(result.map(lambda view: view.products))
        self.loaded, self.loaded_for = True, slug
        return result


class CategoryState(CatalogListingState, rx.State):
    category: CategoryPageView | None = None
    # Set by `load`, in the tab's language (a computed var would run outside it).
    page_title: str = ""
    meta_description: str = ""

    def _address(self) -> str:
        # The dynamic segment of routes.CATEGORY.
        return self.category_slug

    @rx.event
    async def load(self):
        self.category = (await self._open(queries.category_page)).value
        if self.category is None:
            self.page_title = gettext("Category not found")
            self.meta_description = gettext("Digital products by category.")
        else:
            self.page_title, self.meta_description = self.category.name, self.category.meta_description


class ShopState(CatalogListingState, rx.State):
    shop: ShopPageView | None = None
    # Set by `load`, in the tab's language (a computed var would run outside it).
    page_title: str = ""
    meta_description: str = ""

    def _address(self) -> str:
        # The dynamic segment of routes.SHOP (and routes.PRODUCT).
        return self.shop_slug

    @rx.event
    async def load(self):
        self.shop = (await self._open(queries.shop_page)).value
        if self.shop is None:
            self.page_title = gettext("Shop unavailable") if self.unavailable else gettext("Shop not found")
            self.meta_description = gettext("Digital products from an independent creator.")
        else:
            self.page_title, self.meta_description = self.shop.name, self.shop.meta_description


class ProductState(rx.State):
    product: ProductPageView | None = None
    not_found: bool = False
    # A product of a suspended shop: buyers are told it is unavailable.
    unavailable: bool = False
    loaded: bool = False
    # The address (shop/product) `load` last ran for. A tab that opens another product is
    # first sent its state as it was, the last product's, and `load` runs after that.
    loaded_for: str = ""
    # Index into the pictures (cover first, then the gallery) shown large.
    selected_image: int = 0
    # The buyer tapped "Show original": the seller's own texts instead of their translation.
    show_original: bool = False
    # The head's texts without a product, set by `load` in the tab's language.
    missing_title: str = ""
    missing_description: str = ""

    @rx.event
    async def load(self):
        self.loaded = False
        self.selected_image = 0
        self.show_original = False
        # The seller (or an admin) may preview a product before buyers can see it.
        actor = await current_actor(self)
        # In the seller's translation into the tab's language (which current_actor set), if any.
        result = await service_call.call(
            queries.product_page, self.shop_slug, self.product_slug, viewer=actor, lang=i18n.current_language()
        )
        self.not_found = not result.ok
        self.unavailable = result.error == queries.PRODUCT_OF_UNAVAILABLE_SHOP
        self.product = result.value
        self.missing_title = gettext("Product unavailable") if self.unavailable else gettext("Product not found")
        self.missing_description = gettext("A digital product: instant download.")
        self.loaded, self.loaded_for = True, self._address()
        if result.ok and not result.value.is_preview:
            await track(self, "view", product_ids=[result.value.id])

    def _address(self) -> str:
        # `shop_slug` and `product_slug` are the dynamic segments of routes.PRODUCT.
        return f"{self.shop_slug}/{self.product_slug}"

    @rx.var
    def loaded_here(self) -> bool:
        """Loaded for the product this page's address names: until then the page shows its
        spinner, not the last product (where "Add to cart" would add that one)."""
        return self.loaded and self.loaded_for == self._address()

    @rx.event
    def toggle_original(self):
        self.show_original = not self.show_original

    @rx.var
    def shown_title(self) -> str:
        if self.product is None:
            return ""
        original = self.product.original
        return original.title if self.show_original and original is not None else self.product.title

    @rx.var
    def shown_summary(self) -> str:
        if self.product is None:
            return ""
        original = self.product.original
        return original.summary if self.show_original and original is not None else self.product.summary

    @rx.var
    def shown_description_html(self) -> str:
        if self.product is None:
            return ""
        original = self.product.original
        return (
            original.description_html if self.show_original and original is not None else self.product.description_html
        )

    @rx.event
    def select_image(self, index: int):
        if isinstance(index, int) and 0 <= index < len(self.pictures):
            self.selected_image = index

    @rx.var
    def pictures(self) -> list[dict[str, str]]:
        """Cover and gallery pictures as (large url, srcset, thumbnail url)."""
        if self.product is None:
            return []
        images = ([self.product.cover] if self.product.cover else []) + list(self.product.gallery)
        return [{"src": image.url_1600, "srcset": image.srcset, "thumb": image.url_400} for image in images]

    @rx.var
    def large_src(self) -> str:
        pictures = self.pictures
        return pictures[min(self.selected_image, len(pictures) - 1)]["src"] if pictures else ""

    @rx.var
    def large_srcset(self) -> str:
        pictures = self.pictures
        return pictures[min(self.selected_image, len(pictures) - 1)]["srcset"] if pictures else ""

    @rx.var
    def page_title(self) -> str:
        return self.product.title if self.product else self.missing_title

    @rx.var
    def meta_description(self) -> str:
        return self.product.meta_description if self.product else self.missing_description

    @rx.var
    def canonical_url(self) -> str:
        return get_settings().base_url + self.product.url if self.product else ""

    @rx.var
    def og_image(self) -> str:
        if self.product is None or not self.product.og_image_path:
            return ""
        return get_settings().base_url + self.product.og_image_path
