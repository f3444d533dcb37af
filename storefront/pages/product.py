"""The product page: pictures, price, what is delivered, files, description and seller."""

from __future__ import annotations

import reflex as rx
from reflex.vars import FunctionStringVar

import routes
from commerce.models import PricingMode
from components import theme
from components.empty_state import missing_state
from components.forms import banner, field, stacked_form
from components.i18n import t
from components.loading import once_loaded
from components.price import amount_input, price_tag
from components.rich_text import rich_text
from state.cart import CartState
from state.catalog import ProductState
from state.reviews import ReviewsState
from storefront.layout import open_graph, shop_page
from storefront.page_head import PRODUCT_IMAGE_SIZES
from storefront.pages.product_reviews import report_product_control, reviews_section

# On a phone the add-to-cart error under the button can sit below the fold (or the keyboard):
# once the answer has had time to arrive, bring it into view. Compiled into the page, not sent
# by the server (a script from the server is evaluated in the browser, which the CSP forbids).
SCROLL_TO_ADD_ERROR = rx.call_function(
    FunctionStringVar.create(
        "() => setTimeout(() => document.getElementById('add-to-cart-error')?.scrollIntoView({block: 'center'}), 700)"
    )
)

P = ProductState.product


def pictures() -> rx.Component:
    large = rx.image(
        src=ProductState.large_src,
        srcset=ProductState.large_srcset,
        sizes=PRODUCT_IMAGE_SIZES,  # the served head preloads the cover with the same sizes
        alt=P.title,
        width="100%",
        height="100%",
        object_fit="cover",
        id="product-image",
    )
    thumbnails = rx.hstack(
        rx.foreach(
            ProductState.pictures,
            lambda picture, index: rx.el.button(
                rx.image(
                    src=picture["thumb"],
                    alt="",
                    width="4rem",
                    height="3rem",
                    object_fit="cover",
                    border_radius=theme.RADIUS_CONTROL,
                ),
                on_click=ProductState.select_image(index),
                aria_label=t("Show picture {number}", number=index + 1),
                style={
                    "padding": "0",
                    "border": "none",
                    "background": "none",
                    "cursor": "pointer",
                    "outline": rx.cond(ProductState.selected_image == index, f"2px solid {theme.PRIMARY}", "none"),
                    "border_radius": theme.RADIUS_CONTROL,
                },
            ),
        ),
        spacing="2",
        overflow_x="auto",
        width="100%",
        id="product-thumbnails",
    )
    return rx.vstack(
        rx.box(
            rx.cond(
                ProductState.large_src != "",
                large,
                rx.center(
                    rx.icon("package", size=48),
                    width="100%",
                    height="100%",
                    background_color=rx.color(theme.RADIX_ACCENT, 3),
                ),
            ),
            width="100%",
            aspect_ratio="4 / 3",
            overflow="hidden",
            border_radius=theme.RADIUS_CARD,
        ),
        rx.cond(ProductState.pictures.length() > 1, thumbnails),
        spacing="2",
        width="100%",
    )


def add_to_cart_form() -> rx.Component:
    added = CartState.added_product_id == P.id
    return stacked_form(
        rx.el.input(type="hidden", name="product_id", value=P.id.to_string()),
        rx.cond(
            P.pricing == PricingMode.PWYW,
            field(
                t("Your price ({currency})", currency=P.currency),
                amount_input(id="product-amount", value=P.minimum_input, size="3", width="100%"),
                html_for="product-amount",
            ),
        ),
        rx.button(
            rx.icon("shopping-cart", size=18),
            t("Add to cart"),
            type="submit",
            size="3",
            width="100%",
            loading=CartState.add_pending,
            id="add-to-cart",
            style=theme.CTA_BUTTON_STYLE,
        ),
        rx.cond(
            (CartState.add_error != "") & (CartState.add_error_product_id == P.id),
            rx.text(CartState.add_error, size="2", color=theme.DANGER_TEXT, role="alert", id="add-to-cart-error"),
        ),
        rx.cond(
            added,
            banner(
                rx.hstack(
                    rx.text(t("Added to your cart.")),
                    rx.link(t("View cart"), href=routes.CART, id="added-view-cart", weight="bold"),
                    spacing="2",
                    wrap="wrap",
                ),
                icon="circle_check",
                color="green",
                id="added-to-cart",
            ),
        ),
        spacing="2",
        on_submit=[CartState.add, SCROLL_TO_ADD_ERROR],
        reset_on_submit=False,
        id="add-to-cart-form",
    )


def buy_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            price_tag(P.price_label, size="6"),
            rx.cond(
                P.pricing == PricingMode.PWYW,
                rx.text(
                    rx.cond(
                        P.price_amount == 0,
                        t("Name a fair price, or get it for free."),
                        t("Pay what you want, from {price}.", price=P.price_label.to(str).replace("+", "")),
                    ),
                    size="2",
                    color=theme.TEXT_MUTED,
                    id="product-pwyw-note",
                ),
            ),
            rx.cond(
                P.sold_out,
                rx.badge(t("Sold out"), color_scheme="red", size="3", id="product-sold-out"),
                rx.cond(~P.is_preview, add_to_cart_form()),
            ),
            rx.divider(),
            rx.text(t("What you get"), weight="bold", size="2"),
            rx.hstack(
                # Two fixed icons, not one with a var name: a var name makes the page load a map
                # of every lucide icon (about 1,750) to look it up in the browser.
                rx.cond(P.delivers_keys, rx.icon("key-round", size=16), rx.icon("download", size=16)),
                rx.text(P.delivery_label, size="2", id="product-delivery"),
                align="center",
                spacing="2",
            ),
            rx.cond(
                P.files.length() > 0,
                rx.vstack(
                    rx.foreach(
                        P.files,
                        lambda file: rx.hstack(
                            rx.icon("file", size=14, color=theme.TEXT_MUTED),
                            rx.text(file.filename, size="2", style={"word_break": "break-all"}),
                            rx.spacer(),
                            rx.text(file.size_label, size="1", color=theme.TEXT_MUTED, white_space="nowrap"),
                            width="100%",
                            align="center",
                            spacing="2",
                        ),
                    ),
                    rx.cond(
                        P.version_label != "",
                        rx.text(t("Version {version}", version=P.version_label), size="1", color=theme.TEXT_MUTED),
                    ),
                    spacing="1",
                    width="100%",
                    id="product-files",
                ),
            ),
            rx.cond(
                P.bundle_items.length() > 0,
                rx.vstack(
                    rx.text(t("Bundle: also includes"), weight="bold", size="2"),
                    rx.foreach(
                        P.bundle_items,
                        lambda item: rx.hstack(
                            rx.icon("package", size=14, color=theme.TEXT_MUTED),
                            rx.link(item.title, href=item.url, size="2"),
                            align="center",
                            spacing="2",
                        ),
                    ),
                    spacing="1",
                    width="100%",
                    id="product-bundle",
                ),
            ),
            rx.text(
                t("Instant download after purchase; yours to keep in your library."), size="1", color=theme.TEXT_MUTED
            ),
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
        id="product-buy",
    )


def seller_box() -> rx.Component:
    return rx.hstack(
        rx.icon("store", size=18, color=theme.TEXT_MUTED),
        rx.text(t("Sold by"), " ", rx.link(P.shop_name, href=P.shop_url, id="product-shop"), size="2"),
        align="center",
        spacing="2",
    )


def details() -> rx.Component:
    return rx.vstack(
        rx.cond(
            P.is_preview,
            banner(
                t("Preview: buyers cannot see this product yet ({status}).", status=P.status_label),
                icon="eye",
                color="amber",
                id="product-preview-note",
            ),
        ),
        rx.cond(
            P.category_name != "",
            rx.link(
                P.category_name,
                href=P.category_url,
                size="1",
                id="product-category",
                text_transform="uppercase",
                letter_spacing="0.04em",
            ),
        ),
        rx.heading(
            ProductState.shown_title,
            as_="h1",
            size=rx.breakpoints(initial="7", md="8"),
            id="product-title",
            custom_attrs={"lang": shown_lang(), "dir": "auto"},
        ),
        rx.cond(
            ProductState.shown_summary != "",
            rx.text(
                ProductState.shown_summary,
                size="4",
                color=theme.TEXT_MUTED,
                custom_attrs={"lang": shown_lang(), "dir": "auto"},
            ),
            rx.fragment(),
        ),
        rx.cond(
            P.lang != "",
            rx.button(
                rx.icon("languages", size=14),
                rx.cond(ProductState.show_original, t("Show the translation"), t("Show original")),
                on_click=ProductState.toggle_original,
                variant="ghost",
                size="1",
                id="show-original",
                custom_attrs={"aria-pressed": rx.cond(ProductState.show_original, "true", "false")},
            ),
            rx.fragment(),
        ),
        seller_box(),
        spacing="2",
        width="100%",
    )


def shown_lang() -> rx.Var:
    """The language of the texts shown: the seller's translation's, or unknown for the original."""
    return rx.cond(ProductState.show_original, "", P.lang.to(str))


def description() -> rx.Component:
    return rx.vstack(
        rx.heading(t("About this product"), as_="h2", size="5"),
        rich_text(
            ProductState.shown_description_html,
            id="product-description",
            custom_attrs={"lang": shown_lang(), "dir": "auto"},
        ),
        rx.cond(
            P.tags.length() > 0,
            rx.flex(
                rx.foreach(P.tags, lambda tag: rx.badge(tag, variant="soft", radius="full")),
                gap="0.5rem",
                wrap="wrap",
                id="product-tags",
            ),
        ),
        spacing="3",
        width="100%",
    )


def product_view() -> rx.Component:
    # Phone: pictures, title, buy box, description. Wider: pictures beside title and buy box.
    return rx.vstack(
        rx.grid(
            pictures(),
            rx.vstack(details(), buy_panel(), report_product_control(), spacing="4", width="100%"),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="6",
            width="100%",
        ),
        description(),
        reviews_section(),
        spacing=theme.GAP_SECTION,
        width="100%",
    )


@shop_page(
    routes.PRODUCT,
    title=ProductState.page_title,
    description=ProductState.meta_description,
    meta=[
        rx.el.meta(property="og:image", content=ProductState.og_image),
        rx.el.meta(property="og:type", content="product"),
        *open_graph(ProductState.page_title, ProductState.meta_description),
        rx.el.meta(property="og:url", content=ProductState.canonical_url),
        rx.el.meta(name="twitter:card", content="summary_large_image"),
        # Only with its address: React hoists a link into the head only when it has one (an
        # empty one stays in the body), and then takes over the served link (components.head).
        rx.cond(ProductState.canonical_url, rx.el.link(rel="canonical", href=ProductState.canonical_url)),
    ],
    on_load=[ProductState.load, ReviewsState.load],
)
def product() -> rx.Component:
    missing = rx.cond(
        ProductState.unavailable,
        missing_state(
            "store",
            "This product is unavailable",
            t("Its shop is unavailable at the moment. If you bought it, it is still in your library."),
            id="product-unavailable",
        ),
        missing_state(
            "package-x",
            "Product not found",
            t("It may have been removed by its seller, or the address may be mistyped."),
            id="product-missing",
        ),
    )
    return once_loaded(ProductState.loaded_here, product_view(), not_found=ProductState.not_found, missing=missing)
