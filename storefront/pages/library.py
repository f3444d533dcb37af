"""The buyer's library (/library) and one product in it (/library/<id>)."""

from __future__ import annotations

import reflex as rx

import routes
from components import theme
from components.buttons import back_link, link_button
from components.empty_state import empty_state, missing_state
from components.forms import form_error, form_notice
from components.i18n import t
from components.library import file_row, key_row, library_row
from components.loading import once_loaded
from components.pager import pager
from state.account import PasswordHintState
from state.library import LibraryProductState, LibraryState
from storefront.layout import column, library_page

V = LibraryProductState.view


def _search_box() -> rx.Component:
    return rx.input(
        rx.input.slot(rx.icon("search", size=16)),
        placeholder=t("Search your library"),
        value=LibraryState.search,
        on_change=LibraryState.set_search.debounce(300),
        id="library-search",
        type="search",
        size="3",
        width="100%",
        max_width="24rem",
        aria_label=t("Search your library"),
    )


def password_hint() -> rx.Component:
    """Signed in by the receipt's link: say a password is optional, and where to add one."""
    return rx.cond(
        PasswordHintState.no_password,
        rx.callout(
            rx.text(
                t(
                    "You signed in with the link from your receipt. Setting a password is optional: "
                    "you can add one on your account page if you would like to sign in without an email link."
                ),
                " ",
                rx.link(t("Go to your account"), href=routes.ACCOUNT, weight="medium"),
            ),
            icon="info",
            color_scheme="gray",
            role="status",
            width="100%",
            id="library-password-optional",
        ),
    )


@library_page(
    routes.LIBRARY,
    title=t("Your library"),
    description=t("Everything you bought, with its files, updates and license keys."),
    on_load=[LibraryState.load, PasswordHintState.load],
)
def library() -> rx.Component:
    rows = rx.vstack(
        rx.foreach(
            LibraryState.items,
            lambda item: library_row(
                title=item.title,
                shop_name=item.shop_name,
                url=item.library_url,
                cover_url=item.cover_url,
                acquired_label=item.acquired_label,
                updated=item.updated,
                delivering=item.delivering,
                version_label=item.latest_version_label,
                receipt_url=item.receipt_url,
                order_reference=item.order_reference,
            ),
        ),
        spacing="3",
        width="100%",
        id="library-items",
    )
    empty = rx.cond(
        LibraryState.total == 0,
        empty_state(
            "library",
            t("Your library is empty"),
            t("What you buy or claim appears here at once, with its files, updates and license keys."),
            action=link_button(t("Browse the shop"), routes.HOME, id="library-browse"),
            id="library-empty",
        ),
        rx.text(t("Nothing in your library matches that search."), color=theme.TEXT_MUTED, id="library-no-match"),
    )
    return column(
        rx.heading(t("Your library"), as_="h1", size="7"),
        password_hint(),
        rx.cond(LibraryState.total > 0, _search_box()),
        once_loaded(LibraryState.loaded, rx.cond(LibraryState.items.length() > 0, rows, empty)),
        pager(
            LibraryState.pagination,
            id="library-pager",
            query=LibraryState.page_query,
        ),
        max_width="48rem",
    )


def _files() -> rx.Component:
    version = lambda v: rx.card(  # noqa: E731
        rx.vstack(
            rx.hstack(
                rx.heading(t("Version {version}", version=v.label), as_="h3", size="4"),
                rx.cond(v.is_latest, rx.badge(t("Latest"), color_scheme="indigo")),
                rx.cond(v.is_new, rx.badge(t("New"), color_scheme="green", variant="solid")),
                rx.text(v.created_label, size="1", color=theme.TEXT_MUTED),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.cond(
                v.release_notes != "",
                rx.text(
                    v.release_notes, size="2", white_space="pre-line", custom_attrs={"data-testid": "release-notes"}
                ),
            ),
            rx.foreach(
                v.files,
                lambda f: file_row(
                    filename=f.filename,
                    size_label=f.size_label,
                    stamped=f.stamped,
                    busy=LibraryProductState.preparing_file_id == f.id,
                    on_download=LibraryProductState.download(f.id),
                    online_only=f.online_only,
                    reader_url=f.reader_url,
                    view_kind=f.view_kind,
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-testid": "library-version"},
    )
    return rx.vstack(
        rx.hstack(
            rx.heading(t("Files"), as_="h2", size="5"),
            rx.text(V.downloads_label, size="2", color=theme.TEXT_MUTED, id="downloads-allowance"),
            justify="between",
            align="center",
            width="100%",
            wrap="wrap",
        ),
        rx.cond(
            V.download_limit_reached,
            rx.callout(V.download_limit_message, icon="ban", color_scheme="red", id="download-limit"),
        ),
        form_error(LibraryProductState.download_error, id="download-error"),
        form_notice(LibraryProductState.download_notice, id="download-notice"),
        rx.foreach(V.versions, version),
        spacing="3",
        width="100%",
        id="library-files",
    )


def _keys() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("License keys"), as_="h2", size="5"),
            rx.cond(
                V.license_keys.length() > 0,
                rx.foreach(
                    V.license_keys,
                    lambda k: key_row(
                        shown=rx.cond(
                            LibraryProductState.revealed.contains(k.id.to_string()),
                            LibraryProductState.revealed[k.id.to_string()],
                            k.masked,
                        ),
                        status_label=k.status_label,
                        valid=k.status == "valid",
                        expires_label=rx.cond(k.expires_at, t("Expires {date}", date=k.expires_label), k.expires_label),
                        activations=rx.cond(
                            k.activation_limit,
                            t("Activations: {used} of {limit}", used=k.activations, limit=k.activation_limit),
                            t("Activations: {used}", used=k.activations),
                        ),
                        revealed=LibraryProductState.revealed.contains(k.id.to_string()),
                        on_reveal=LibraryProductState.reveal(k.id),
                        on_hide=LibraryProductState.hide(k.id),
                        on_copy=LibraryProductState.copy(k.id),
                    ),
                ),
                rx.text(
                    t("Your key is being issued; it appears here in a moment."),
                    color=theme.TEXT_MUTED,
                    id="key-pending",
                ),
            ),
            form_notice(LibraryProductState.key_notice, id="key-notice"),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id="library-keys",
    )


@library_page(
    routes.LIBRARY_PRODUCT,
    title=t("Your library"),
    description=t("Files, updates and license keys of something you bought."),
    on_load=[LibraryProductState.load, PasswordHintState.load],
)
def library_product() -> rx.Component:
    found = rx.vstack(
        back_link(t("Library"), routes.LIBRARY),
        password_hint(),
        rx.heading(V.item.title, as_="h1", size="7", id="library-product-title"),
        rx.hstack(
            rx.link(V.item.shop_name, href=V.item.product_url, size="2"),
            rx.text("· ", t("Bought {date}", date=V.item.acquired_label), size="2", color=theme.TEXT_MUTED),
            rx.foreach(
                V.order_references,
                lambda ref: rx.link(
                    t("Receipt {reference}", reference=ref),
                    href=routes.fill(routes.ORDER, order_reference=ref),
                    size="2",
                    class_name="library-receipt",
                ),
            ),
            spacing="2",
            wrap="wrap",
            align="center",
        ),
        rx.cond(V.item.delivers_keys, _keys()),
        rx.cond(V.item.delivers_files, _files()),
        spacing=theme.GAP_SECTION,
        width="100%",
    )
    missing = missing_state(
        "search-x",
        "Not in your library",
        t("This product is not in your library, or your access to it has ended."),
        id="library-product-missing",
        back=("Back to your library", routes.LIBRARY, "library-back"),
    )
    return column(
        once_loaded(LibraryProductState.loaded, found, not_found=LibraryProductState.not_found, missing=missing),
        max_width="48rem",
    )
