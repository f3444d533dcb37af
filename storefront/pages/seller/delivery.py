"""/seller/delivery/<id>: a product's download rules and counts, and its license keys."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from commerce.models import KeyStatus, Protection
from components import theme
from components.buttons import back_link
from components.empty_state import missing_state
from components.forms import choice_field, form_error, form_notice, labelled_input, section_card, stacked_form
from components.i18n import bt
from components.loading import once_loaded
from components.pager import pager
from components.studio import ONLINE_ONLY_NOTE
from state.seller_delivery import SellerDeliveryState as S
from storefront.layout import column, seller_page


def _number_field(label: rx.Var, *, name: str, id: str, value, hint: rx.Var) -> rx.Component:
    return labelled_input(label, name=name, id=id, default_value=value, input_mode="numeric", hint=hint, required=False)


def settings_card() -> rx.Component:
    return section_card(
        bt("Download rules"),
        stacked_form(
            form_error(S.settings_error, id="delivery-settings-error"),
            form_notice(S.settings_notice, id="delivery-settings-notice"),
            _number_field(
                bt("Downloads per buyer"),
                name="download_limit",
                id="download-limit-input",
                value=rx.cond(S.settings.download_limit, S.settings.download_limit.to_string(), ""),
                hint=bt("Empty for unlimited. Buyers at the limit are told to ask you for a reset."),
            ),
            _number_field(
                bt("Link lifetime (minutes)"),
                name="link_minutes",
                id="link-minutes-input",
                value=S.settings.link_minutes.to_string(),
                hint=bt("How long each download link works once clicked; 60 by default."),
            ),
            choice_field(
                bt("What each buyer's copy carries"),
                [
                    (Protection.NONE, bt("Nothing: buyers get the original files")),
                    (Protection.STAMP, bt("A visible stamp on PDFs (the buyer's email and order)")),
                    (Protection.MARK, bt("An invisible mark of the purchase")),
                    (Protection.BOTH, bt("Both the visible stamp and the invisible mark")),
                ],
                name="protection",
                id="protection-input",
                default_value=S.settings.protection,
            ),
            rx.text(
                bt(
                    "The stamp puts “Licensed to <email> · Order <ref>” at the foot of every PDF page. "
                    "The invisible mark goes into every PDF, image, EPUB, ZIP, MP3 or WAV file, so a leaked copy "
                    "can be traced to its purchase with the leak tracer. Each buyer's copy is made once."
                ),
                size="1",
                color=theme.TEXT_MUTED,
            ),
            rx.link(bt("Open the leak tracer"), href=routes.SELLER_LEAKS, size="2", id="leak-tracer-link"),
            rx.checkbox(
                bt("View online only (PDFs, audio and video)"),
                name="online_only",
                default_checked=S.settings.online_only,
                id="online-only-input",
            ),
            rx.text(bt(ONLINE_ONLY_NOTE), size="1", color=theme.TEXT_MUTED, id="online-only-note"),
            rx.button(bt("Save download rules"), type="submit", size="3", id="delivery-settings-submit"),
            on_submit=S.save_settings,
            key=S.form_key.to_string(),
        ),
        id="delivery-settings",
    )


def downloads_card() -> rx.Component:
    buyers = rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell(bt("Buyer")),
                rx.table.column_header_cell(bt("Downloads")),
                rx.table.column_header_cell(bt("Last")),
                rx.table.column_header_cell(rx.el.span(bt("Actions"), class_name="sr-only")),
            )
        ),
        rx.table.body(
            rx.foreach(
                S.stats.buyers,
                lambda b: rx.table.row(
                    rx.table.cell(b.buyer),
                    rx.table.cell(b.used.to_string()),
                    rx.table.cell(b.last_download_label),
                    rx.table.cell(
                        rx.button(
                            bt("Reset"),
                            size="1",
                            variant="soft",
                            on_click=S.reset_downloads(b.buyer_id),
                            custom_attrs={"data-testid": "reset-downloads"},
                        )
                    ),
                ),
            )
        ),
        width="100%",
        variant="surface",
    )
    files = rx.vstack(
        rx.foreach(
            S.stats.files,
            lambda f: rx.text(
                bt(
                    "{file} (version {version}): {count}",
                    file=f.filename,
                    version=f.version_label,
                    count=f.downloads,
                ),
                size="2",
            ),
        ),
        spacing="1",
    )
    return section_card(
        bt("Downloads"),
        rx.text(S.downloads_total, id="downloads-total"),
        rx.cond(S.stats.buyers.length() > 0, rx.box(buyers, overflow_x="auto", width="100%")),
        files,
        id="delivery-downloads",
    )


def _key_action(label: rx.Var, on_click, test_id: str, **props) -> rx.Component:
    return rx.button(label, size="1", variant="soft", on_click=on_click, custom_attrs={"data-testid": test_id}, **props)


def _key_row(k) -> rx.Component:
    shown = rx.cond(S.revealed.contains(k.id.to_string()), S.revealed[k.id.to_string()], k.masked)
    return rx.vstack(
        rx.hstack(
            rx.code(shown, style={"overflow_wrap": "anywhere"}),
            rx.badge(
                k.status_label,
                color_scheme=rx.match(k.status, (KeyStatus.SOLD, "green"), (KeyStatus.REVOKED, "red"), "gray"),
            ),
            rx.cond(k.buyer != "", rx.text(k.buyer, size="2", color=theme.TEXT_MUTED)),
            spacing="2",
            wrap="wrap",
            align="center",
        ),
        rx.text(
            rx.cond(k.sold_label != "", bt("Sold {date}", date=k.sold_label) + " · ", ""),
            rx.cond(k.expires_at, bt("Expires {date}", date=k.expires_label), bt("Never expires")),
            " · ",
            bt("Active: {active} · Validations: {uses}", active=k.activations, uses=k.usage_count),
            rx.cond(k.revoked_reason != "", " · " + k.revoked_reason, ""),
            size="1",
            color=theme.TEXT_MUTED,
        ),
        rx.hstack(
            rx.button(bt("Reveal"), size="1", variant="soft", on_click=S.reveal_key(k.id)),
            rx.cond(
                k.status == KeyStatus.SOLD,
                _key_action(bt("Revoke"), S.revoke_key(k.id), "revoke-key", color_scheme="red"),
            ),
            rx.cond(k.can_reenable, _key_action(bt("Re-enable"), S.reenable_key(k.id), "reenable-key")),
            rx.cond(k.can_rotate, _key_action(bt("Replace"), S.rotate_key(k.id), "rotate-key")),
            rx.cond(
                k.status != KeyStatus.AVAILABLE,
                rx.button(bt("Activations"), size="1", variant="ghost", on_click=S.show_activations(k.id)),
            ),
            spacing="2",
            wrap="wrap",
        ),
        rx.cond(
            S.activations_for == k.id,
            rx.vstack(
                rx.cond(S.activations.length() == 0, rx.text(bt("Not activated anywhere."), size="1")),
                rx.foreach(
                    S.activations,
                    lambda a: rx.text(
                        rx.cond(
                            a.active,
                            bt("{instance} · last seen {when}", instance=a.instance, when=a.last_seen_label),
                            bt(
                                "{instance} · last seen {when} · deactivated",
                                instance=a.instance,
                                when=a.last_seen_label,
                            ),
                        ),
                        size="1",
                    ),
                ),
                spacing="1",
                padding_left="1rem",
            ),
        ),
        spacing="1",
        width="100%",
        padding_y="0.5rem",
        border_top=f"1px solid {theme.BORDER}",
        custom_attrs={"data-testid": "seller-key"},
    )


def keys_card() -> rx.Component:
    filters = rx.hstack(
        *[
            rx.link(
                bt(label), href=f"?keys={value}", size="2", weight=rx.cond(S.key_filter == value, "bold", "regular")
            )
            for value, label in (
                ("all", bo_N_("All")),
                (KeyStatus.SOLD, bo_N_("Sold")),
                (KeyStatus.REVOKED, bo_N_("Revoked")),
                (KeyStatus.AVAILABLE, bo_N_("In stock")),
            )
        ],
        spacing="3",
        wrap="wrap",
    )
    return section_card(
        bt("License keys"),
        filters,
        form_error(S.error, id="delivery-action-error"),
        form_notice(S.notice, id="delivery-action-notice"),
        rx.cond(
            S.keys.length() > 0,
            rx.vstack(rx.foreach(S.keys, _key_row), spacing="0", width="100%"),
            rx.text(bt("No keys here yet."), color=theme.TEXT_MUTED),
        ),
        pager(
            S.pagination,
            id="keys-pager",
            query="?keys=" + S.key_filter + "&",
        ),
        description=bt("Revoke a leaked key, re-enable it, or replace it with a new one for the same buyer."),
        id="delivery-keys",
    )


@seller_page(
    routes.SELLER_DELIVERY,
    title=bo_N_("Delivery"),
    description=bo_N_("Downloads and license keys of a product."),
    on_load=S.load,
)
def seller_delivery() -> rx.Component:
    found = rx.vstack(
        back_link(
            bt("Back to the product"),
            routes.fill(routes.SELLER_PRODUCT, edit_product_id=S.settings.product_id.to_string()),
        ),
        rx.heading(bt("Delivery: {title}", title=S.settings.title), as_="h1", size="6", id="delivery-title"),
        rx.cond(
            S.settings.waiting > 0,
            rx.callout(
                S.waiting_note,
                icon="triangle_alert",
                color_scheme="amber",
                id="delivery-waiting",
            ),
        ),
        rx.cond(S.settings.delivers_files, settings_card()),
        rx.cond(S.settings.delivers_files, downloads_card()),
        rx.cond(S.settings.delivers_keys, keys_card()),
        spacing=theme.GAP_SECTION,
        width="100%",
    )
    missing = missing_state(
        "search-x",
        bt("No such product"),
        bt("This product does not exist or is not yours."),
        id="delivery-missing",
        back=(bt("Back to the studio"), routes.SELLER, "delivery-back"),
    )
    return column(once_loaded(S.loaded, found, not_found=S.not_found, missing=missing), max_width="56rem")
