"""The product editor: status and publishing, texts, price, pictures, files and
versions, license keys. Each section saves on its own through one service."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.catalog.files import MAX_FILES_PER_VERSION
from commerce.i18n import bo_N_
from commerce.models import DeliveryKind, KeySource, ModerationStatus, ProductStatus
from components import theme
from components.buttons import link_button
from components.empty_state import missing_state
from components.forms import (
    banner,
    choice_field,
    field,
    form_error,
    form_notice,
    labelled_input,
    section_card,
    stacked_form,
    submit_row,
    two_columns,
)
from components.i18n import bt
from components.loading import once_loaded
from components.rich_text import rich_text
from components.studio import ONLINE_ONLY_NOTE, PRICING_OPTIONS, dropdown, field_error, status_badge
from components.uploader import labelled_upload, product_file_uploader
from state.seller import ProductEditorState as E
from storefront.layout import column, seller_page

P = E.product


def _notice(section: str) -> rx.Component:
    return form_notice(rx.cond(E.section == section, E.notice, ""), id=f"{section}-notice")


def _messages(section: str) -> tuple[rx.Component, rx.Component]:
    """The error or notice of the last change, in the part of the editor it was about."""
    return form_error(rx.cond(E.section == section, E.error, ""), id=f"{section}-error"), _notice(section)


MAX_UPLOAD_NOTE = bo_N_("Up to 2 GB per file. The type is read from the file itself.")
IMAGE_TYPES = {
    "image/png": [".png"],
    "image/jpeg": [".jpg", ".jpeg"],
    "image/webp": [".webp"],
    "image/gif": [".gif"],
    "image/avif": [".avif"],
}


def _details_error(name: str) -> rx.Component:
    """The details form's error about one field, which the service named."""
    return field_error(E.details_errors.get(name, ""), id=f"edit-{name}-error")


def _input(label: str, *, name: str, id: str, error_key: str = "", **props) -> rx.Component:
    """A field of the details form, showing the error the service gave for it."""
    error = E.details_errors.get(error_key or name, "")
    return labelled_input(label, name=name, id=id, error=error, required=props.pop("required", False), **props)


def _limit(label: str, value: rx.Var, *, name: str, id: str, unlimited: str) -> rx.Component:
    """A whole number the seller may leave empty (no limit): `unlimited` says what empty means."""
    return labelled_input(
        label,
        name=name,
        id=id,
        input_mode="numeric",
        default_value=value.to_string().replace("null", ""),
        placeholder=unlimited,
        required=False,
    )


def _textarea(
    label: str, *, name: str, id: str, default_value, rows: str, hint: str = "", error: rx.Var | str = ""
) -> rx.Component:
    return field(
        label,
        rx.text_area(
            name=name, id=id, default_value=default_value, rows=rows, width="100%", size="3", resize="vertical"
        ),
        rx.cond(hint != "", rx.text(hint, size="1", color=theme.TEXT_MUTED)),
        field_error(error, id=f"{id}-error"),
        html_for=id,
    )


def _save_button(label: str, id: str) -> rx.Component:
    return submit_row(rx.button(label, type="submit", size="3", id=id, style=theme.CTA_BUTTON_STYLE))


def status_section() -> rx.Component:
    problems = rx.cond(
        P.publish_problems.length() > 0,
        banner(
            rx.vstack(
                rx.text(bt("Before you can publish:"), weight="bold"),
                rx.foreach(P.publish_problems, lambda problem: rx.text("• ", problem)),
                spacing="1",
            ),
            icon="list-checks",
            color="amber",
            id="publish-problems",
        ),
    )
    rejected = rx.cond(
        P.moderation_status == ModerationStatus.REJECTED,
        banner(
            bt(
                "Rejected by moderation: {reason} Fix it, then publish again to send it back for review.",
                reason=P.rejection_reason.to(str),
            ),
            icon="octagon-x",
            color="red",
            id="rejection-reason",
        ),
    )
    buttons = rx.flex(
        rx.cond(
            (P.status != ProductStatus.PUBLISHED) | (P.moderation_status == ModerationStatus.REJECTED),
            rx.button(bt("Publish"), on_click=E.publish, size="3", id="publish-button", style=theme.CTA_BUTTON_STYLE),
        ),
        rx.cond(
            P.status == ProductStatus.PUBLISHED,
            rx.button(bt("Unpublish"), on_click=E.unpublish, size="3", variant="soft", id="unpublish-button"),
        ),
        rx.cond(
            P.status != ProductStatus.ARCHIVED,
            rx.button(
                bt("Archive"), on_click=E.archive, size="3", variant="soft", color_scheme="gray", id="archive-button"
            ),
        ),
        link_button(bt("Preview"), P.public_url.to(str), id="preview-link", primary=False, icon="eye"),
        gap="0.5rem",
        wrap="wrap",
    )
    return section_card(
        bt("Status"),
        rx.hstack(
            status_badge(E.status_label, id="product-status"),
            rx.cond(
                P.is_live,
                rx.text(bt("Buyers can see and buy it."), size="2"),
                rx.text(bt("Buyers cannot see it."), size="2", color=theme.TEXT_MUTED),
            ),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.cond(
            P.status == ProductStatus.PUBLISHED,
            rx.cond(
                P.moderation_status == ModerationStatus.PENDING,
                rx.text(
                    bt("Waiting for a moderator to review it; it goes live once approved."),
                    size="2",
                    color=theme.TEXT_MUTED,
                    id="moderation-pending",
                ),
            ),
        ),
        rejected,
        problems,
        *_messages("status"),
        buttons,
        id="status-section",
    )


def details_section() -> rx.Component:
    category_options = rx.foreach(E.categories, lambda c: rx.el.option(c.label, value=c.slug))
    return section_card(
        bt("Details"),
        stacked_form(
            form_error(E.details_errors.get("form", ""), id="details-error"),
            _notice("details"),
            _input(bt("Title"), name="title", id="edit-title", default_value=P.title, required=True),
            field(
                bt("Address"),
                rx.input(
                    name="slug",
                    id="edit-slug",
                    default_value=P.slug,
                    size="3",
                    width="100%",
                    read_only=P.slug_locked,
                ),
                rx.text(
                    rx.cond(
                        P.slug_locked,
                        bt("Fixed since the product was published, so links keep working:"),
                        bt("Lower-case letters, digits and dashes:"),
                    ),
                    P.public_url,
                    size="1",
                    color=theme.TEXT_MUTED,
                ),
                _details_error("slug"),
                html_for="edit-slug",
            ),
            _input(
                bt("Summary"),
                name="summary",
                id="edit-summary",
                default_value=P.summary,
                hint=bt("One sentence shown under the title and in search results (280 characters)."),
            ),
            _textarea(
                bt("Description"),
                name="description",
                id="edit-description",
                default_value=P.description,
                rows="10",
                hint=bt(
                    "Markdown: **bold**, lists, links, headings, tables. No HTML or pictures "
                    "(use the gallery). Up to 100 KB."
                ),
                error=E.details_errors.get("description", ""),
            ),
            field(
                bt("Category"),
                dropdown(
                    [("", bt("No category"))],
                    category_options,
                    name="category",
                    id="edit-category",
                    default_value=P.category_slug,
                ),
                _details_error("category"),
                html_for="edit-category",
            ),
            _input(
                bt("Tags"),
                name="tags",
                id="edit-tags",
                default_value=P.tags.join(", "),
                hint=bt("Up to 10, separated by commas."),
                placeholder=bt("python, ebook"),
            ),
            _save_button(bt("Save details"), "details-submit"),
            on_submit=E.save_details,
            key="details-" + E.form_key.to_string(),
            id="details-form",
        ),
        rx.cond(
            P.description_html != "",
            rx.vstack(
                rx.text(bt("Description preview"), weight="bold", size="2"),
                rich_text(
                    P.description_html,
                    id="description-preview",
                    padding="0.75rem",
                    border=f"1px dashed {theme.BORDER}",
                    border_radius=theme.RADIUS_CONTROL,
                ),
                spacing="1",
                width="100%",
            ),
        ),
        id="details-section",
    )


def _translation_error(name: str) -> rx.Component:
    return field_error(E.translation_errors.get(name, ""), id=f"translation-{name}-error")


def translations_section() -> rx.Component:
    """The product's texts in other languages, one language at a time."""
    chosen = E.translation
    # Typed in the language's own direction (Arabic right to left), whatever the studio's.
    typed_in = {"lang": E.translation_lang, "dir": chosen.dir.to(str)}
    languages = rx.flex(
        rx.foreach(
            P.translations,
            lambda item: rx.button(
                rx.cond(item.saved, rx.icon("check", size=14), rx.fragment()),
                rx.text(item.language, as_="span", custom_attrs={"lang": item.lang}),
                on_click=E.choose_translation(item.lang),
                variant=rx.cond(E.translation_lang == item.lang, "solid", "soft"),
                size="2",
                type="button",
                custom_attrs={"aria-pressed": rx.cond(E.translation_lang == item.lang, "true", "false")},
                id="translation-lang-" + item.lang,
            ),
        ),
        gap="0.5rem",
        wrap="wrap",
        role="group",
        aria_label=bt("Language of the translation"),
    )
    form = stacked_form(
        form_error(E.translation_errors.get("form", ""), id="translation-form-error"),
        *_messages("translation"),
        field(
            bt("Translated title"),
            rx.input(
                name="title",
                id="translation-title",
                default_value=chosen.title.to(str),
                required=True,
                size="3",
                width="100%",
                custom_attrs=typed_in,
            ),
            _translation_error("title"),
            html_for="translation-title",
        ),
        field(
            bt("Translated summary"),
            rx.input(
                name="summary",
                id="translation-summary",
                default_value=chosen.summary.to(str),
                size="3",
                width="100%",
                custom_attrs=typed_in,
            ),
            rx.text(bt("Leave it empty to show the original summary."), size="1", color=theme.TEXT_MUTED),
            _translation_error("summary"),
            html_for="translation-summary",
        ),
        field(
            bt("Translated description"),
            rx.text_area(
                name="description",
                id="translation-description",
                default_value=chosen.description.to(str),
                rows="8",
                width="100%",
                size="3",
                resize="vertical",
                custom_attrs=typed_in,
            ),
            rx.text(
                bt("Markdown, as in the original. Leave it empty to show the original description."),
                size="1",
                color=theme.TEXT_MUTED,
            ),
            _translation_error("description"),
            html_for="translation-description",
        ),
        rx.flex(
            rx.button(
                bt("Save translation"),
                type="submit",
                size="3",
                id="translation-submit",
                style=theme.CTA_BUTTON_STYLE,
            ),
            rx.cond(
                chosen.saved,
                rx.button(
                    bt("Remove translation"),
                    type="button",
                    on_click=E.remove_translation,
                    size="3",
                    variant="soft",
                    color_scheme="red",
                    id="translation-remove",
                ),
                rx.fragment(),
            ),
            gap="0.5rem",
            wrap="wrap",
        ),
        on_submit=E.save_translation,
        key="translation-" + E.translation_lang + "-" + E.form_key.to_string(),
        id="translation-form",
    )
    return section_card(
        bt("Translations"),
        languages,
        form,
        description=bt(
            "Buyers who read one of these languages see your translation instead of the original "
            "texts, and can switch to the original with one tap. Search finds the product by every "
            "translation."
        ),
        id="translations-section",
    )


def pricing_section() -> rx.Component:
    return section_card(
        bt("Price"),
        stacked_form(
            *_messages("pricing"),
            two_columns(
                choice_field(
                    bt("Pricing"),
                    [(value, bt(label)) for value, label in PRICING_OPTIONS],
                    name="pricing",
                    id="edit-pricing",
                    default_value=P.pricing,
                ),
                labelled_input(
                    bt("Price or minimum ({currency})", currency=P.currency.to(str)),
                    name="price",
                    id="edit-price",
                    default_value=P.price_input,
                    input_mode="decimal",
                    required=False,
                ),
            ),
            rx.text(bt("Now: {price}", price=P.price_label.to(str)), size="2", color=theme.TEXT_MUTED, id="price-now"),
            _save_button(bt("Save price"), "pricing-submit"),
            on_submit=E.save_pricing,
            key="pricing-" + E.form_key.to_string(),
            id="pricing-form",
        ),
        description=bt("In your shop's currency. Orders already placed keep the price they were paid at."),
        id="pricing-section",
    )


def _upload_zone(
    upload_id: str,
    text: str,
    *,
    multiple: bool,
    accept: dict | None,
    handler,
    progressed,
    button_label: str,
    label: str,
) -> rx.Component:
    """A dropzone for `upload_id`; `label` names its file input for assistive technology."""
    return rx.vstack(
        labelled_upload(
            rx.vstack(
                rx.icon("upload", size=20),
                rx.text(text, size="2", text_align="center"),
                align="center",
                spacing="1",
            ),
            id=upload_id,
            label=label,
            multiple=multiple,
            accept=accept,
            padding="1rem",
            width="100%",
            border=f"1px dashed {theme.BORDER}",
            border_radius=theme.RADIUS_CARD,
            cursor="pointer",
        ),
        rx.foreach(rx.selected_files(upload_id), lambda name: rx.text(name, size="1", color=theme.TEXT_MUTED)),
        rx.button(
            button_label,
            # The chosen files are cleared here, on the page, once the upload has taken them (a
            # clear sent by the server is a script the browser must evaluate, which the CSP forbids).
            on_click=[
                handler(rx.upload_files(upload_id=upload_id, on_upload_progress=progressed)),
                rx.clear_selected_files(upload_id),
            ],
            size="3",
            variant="soft",
            id=f"{upload_id}-submit",
            # Busy from the first byte sent until the server has stored the file: no double submit.
            loading=E.uploading != "",
            disabled=E.uploading != "",
        ),
        spacing="2",
        width="100%",
    )


def progress_bar(*kinds: str) -> rx.Component:
    """The progress of a picture or key-file upload of one of `kinds`, from its first byte."""
    running = E.uploading == kinds[0]
    for kind in kinds[1:]:
        running = running | (E.uploading == kind)
    return rx.cond(
        running,
        rx.vstack(
            rx.progress(value=E.upload_progress, max=100, width="100%", id=f"{kinds[0]}-upload-progress"),
            rx.text(
                rx.cond(
                    E.upload_progress < 100,
                    bt("Uploading… {percent}%", percent=E.upload_progress),
                    bt("Processing…"),
                ),
                size="1",
                color=theme.TEXT_MUTED,
            ),
            spacing="1",
            width="100%",
        ),
    )


def images_section() -> rx.Component:
    gallery = rx.grid(
        rx.foreach(
            P.gallery,
            lambda image: rx.vstack(
                rx.image(
                    src=image.url_400,
                    alt="",
                    width="100%",
                    aspect_ratio="4 / 3",
                    object_fit="cover",
                    border_radius=theme.RADIUS_CONTROL,
                ),
                rx.button(
                    bt("Remove"),
                    on_click=E.remove_gallery_image(image.id),
                    size="1",
                    variant="soft",
                    color_scheme="red",
                ),
                spacing="1",
            ),
        ),
        columns=rx.breakpoints(initial="2", sm="4"),
        spacing="2",
        width="100%",
        id="gallery-images",
    )
    return section_card(
        bt("Pictures"),
        *_messages("image"),
        rx.grid(
            rx.vstack(
                rx.text(bt("Cover"), weight="bold", size="2"),
                rx.cond(
                    P.cover,
                    rx.image(
                        src=P.cover.url_800,
                        alt=bt("Cover"),
                        width="100%",
                        aspect_ratio="4 / 3",
                        object_fit="cover",
                        border_radius=theme.RADIUS_CONTROL,
                        id="cover-image",
                    ),
                    rx.text(bt("No cover yet."), size="2", color=theme.TEXT_MUTED),
                ),
                _upload_zone(
                    "cover-upload",
                    bt("Choose or drop a JPEG, PNG, WebP, GIF or AVIF image (at least 100 px, up to 20 MB)."),
                    multiple=False,
                    accept=IMAGE_TYPES,
                    handler=E.upload_cover,
                    progressed=E.cover_progressed,
                    button_label=bt("Upload cover"),
                    label=bt("Cover picture"),
                ),
                spacing="2",
                width="100%",
            ),
            rx.vstack(
                rx.text(bt("Gallery (up to 10)"), weight="bold", size="2"),
                gallery,
                _upload_zone(
                    "gallery-upload",
                    bt("Add pictures to the gallery."),
                    multiple=True,
                    accept=IMAGE_TYPES,
                    handler=E.upload_gallery,
                    progressed=E.gallery_progressed,
                    button_label=bt("Add to gallery"),
                    label=bt("Gallery pictures"),
                ),
                spacing="2",
                width="100%",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        progress_bar("cover", "gallery"),
        description=bt("Resized into sharp thumbnails for every screen when you upload them."),
        id="images-section",
    )


def _streaming_status(file) -> rx.Component:
    """An online-only video's preparation for streaming (HLS): under way, ready, or failed
    with ffmpeg's reason and another try; buyers play the original meanwhile."""
    return rx.match(
        file.streaming,
        (
            "preparing",
            rx.badge(
                bt("Preparing for streaming"),
                color_scheme="amber",
                variant="soft",
                custom_attrs={"data-testid": "file-streaming"},
            ),
        ),
        ("ready", rx.badge(bt("Ready to stream"), color_scheme="green", variant="soft")),
        (
            "failed",
            rx.vstack(
                rx.hstack(
                    rx.badge(
                        bt("Could not prepare for streaming"),
                        color_scheme="red",
                        variant="soft",
                        custom_attrs={"data-testid": "file-streaming"},
                    ),
                    rx.button(
                        bt("Try again"),
                        on_click=E.prepare_streaming_again(file.id),
                        size="1",
                        variant="soft",
                        aria_label=bt("Prepare {file} for streaming again", file=file.filename),
                    ),
                    spacing="1",
                    align="center",
                ),
                rx.text(
                    bt("Buyers play the original meanwhile. {reason}", reason=file.streaming_problem),
                    size="1",
                    color=theme.TEXT_MUTED,
                    style={"overflow_wrap": "anywhere"},
                ),
                spacing="1",
                max_width="20em",
            ),
        ),
        rx.fragment(),
    )


def _file_row(file, can_remove) -> rx.Component:
    return rx.hstack(
        rx.icon("file", size=16, color=theme.TEXT_MUTED),
        rx.vstack(
            rx.text(file.filename, size="2", style={"overflow_wrap": "anywhere"}),
            rx.text(file.size_label, " · ", file.content_type, size="1", color=theme.TEXT_MUTED),
            spacing="0",
            flex_grow="1",
            min_width="0",
        ),
        rx.cond(
            file.view_kind != "",
            rx.checkbox(
                bt("View online only"),
                checked=file.online_only,
                on_change=lambda checked: E.set_online_only(file.id, checked),
                size="1",
                aria_label=bt("Buyers view {file} online only", file=file.filename),
                custom_attrs={"data-testid": "file-online-only"},
            ),
            rx.fragment(),
        ),
        _streaming_status(file),
        rx.cond(
            can_remove,
            rx.button(bt("Remove"), on_click=E.remove_file(file.id), size="1", variant="soft", color_scheme="red"),
        ),
        align="center",
        spacing="2",
        width="100%",
        custom_attrs={"data-testid": "product-file"},
    )


def files_section() -> rx.Component:
    versions = rx.foreach(
        P.versions,
        lambda version: rx.vstack(
            rx.hstack(
                rx.text(bt("Version {label}", label=version.label), weight="bold"),
                rx.text(
                    "#", version.number.to_string(), " · ", version.total_size_label, size="1", color=theme.TEXT_MUTED
                ),
                rx.cond(
                    version.is_draft,
                    rx.badge(bt("Draft: buyers don't see it yet"), color_scheme="amber", variant="soft"),
                ),
                align="baseline",
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(
                version.release_notes != "",
                rx.text(version.release_notes, size="2", white_space="pre-line", color=theme.TEXT_MUTED),
            ),
            rx.foreach(version.files, lambda file: _file_row(file, ~P.slug_locked | version.is_draft)),
            rx.cond(
                version.is_draft,
                rx.box(
                    rx.button(
                        rx.icon("rocket", size=16),
                        bt("Release version"),
                        on_click=E.release_version,
                        disabled=E.files_uploading,
                        size="2",
                        id="version-release",
                    )
                ),
            ),
            spacing="2",
            width="100%",
            padding="0.75rem",
            border=f"1px solid {theme.BORDER}",
            border_radius=theme.RADIUS_CONTROL,
        ),
    )
    new_version = stacked_form(
        rx.text(bt("Start an update"), weight="bold", size="2"),
        *_messages("version"),
        rx.input(
            name="label",
            id="version-label",
            placeholder=bt("Version name, e.g. 1.1"),
            aria_label=bt("Version name"),
            size="3",
            width="100%",
        ),
        rx.text_area(
            name="release_notes",
            id="version-notes",
            placeholder=bt("What changed (release notes)"),
            aria_label=bt("Release notes"),
            rows="3",
            width="100%",
        ),
        rx.checkbox(bt("Start with the current version's files"), name="carry_over", default_checked=True),
        rx.box(rx.button(bt("Start new version"), type="submit", size="3", variant="soft", id="version-submit")),
        spacing="2",
        on_submit=E.create_version,
        reset_on_submit=True,
        id="version-form",
    )
    return section_card(
        bt("Files"),
        *_messages("file"),
        rx.cond(
            P.versions.length() > 0,
            rx.vstack(versions, spacing="2", width="100%", id="versions"),
            rx.text(bt("No files yet."), size="2", color=theme.TEXT_MUTED),
        ),
        rx.text(bt("Add files buyers download."), " ", bt(MAX_UPLOAD_NOTE), size="2", color=theme.TEXT_MUTED),
        rx.text(
            bt(ONLINE_ONLY_NOTE),
            size="1",
            color=theme.TEXT_MUTED,
            id="online-only-note",
        ),
        product_file_uploader(
            id="file-upload",
            endpoint=routes.UPLOADS + "/" + P.id.to_string(),
            max_file_size=E.max_upload_bytes,
            max_number_of_files=MAX_FILES_PER_VERSION,
            note=bt("Large files are sent in parts and resume after a dropped connection."),
            height=320,
            on_uploaded=E.file_uploaded,
            on_busy=E.set_files_uploading,
        ),
        rx.cond(P.versions.length() > 0, new_version),
        description=bt(
            "Files are private: buyers get expiring download links. Uploads go to the newest "
            "version; an update stays a draft until you release it. Buyers keep every released version."
        ),
        id="files-section",
    )


def keys_section() -> rx.Component:
    lic = P.license
    policy = stacked_form(
        *_messages("policy"),
        two_columns(
            choice_field(
                bt("Keys"),
                [
                    (KeySource.IMPORTED, bt("I upload my own keys")),
                    (KeySource.GENERATED, bt("Generate a key per sale")),
                ],
                name="source",
                id="key-source",
                default_value=lic.source,
            ),
            labelled_input(
                bt("Prefix for generated keys"),
                name="prefix",
                id="key-prefix",
                default_value=lic.prefix,
                placeholder=bt("e.g. PRO"),
                required=False,
            ),
            _limit(
                bt("Activations per key"),
                lic.activation_limit,
                name="activation_limit",
                id="key-activations",
                unlimited=bt("No limit"),
            ),
            _limit(
                bt("Expires after (days)"), lic.expiry_days, name="expiry_days", id="key-expiry", unlimited=bt("Never")
            ),
            _limit(
                bt("Validations per key"),
                lic.usage_limit,
                name="usage_limit",
                id="key-usage",
                unlimited=bt("No limit"),
            ),
        ),
        rx.box(rx.button(bt("Save key settings"), type="submit", size="3", variant="soft", id="policy-submit")),
        spacing="3",
        on_submit=E.save_license_policy,
        key="policy-" + E.form_key.to_string(),
        id="policy-form",
    )
    importer = rx.vstack(
        rx.el.label(bt("Add keys to your stock"), html_for="keys-text", font_weight="bold", font_size="0.875rem"),
        *_messages("keys"),
        stacked_form(
            rx.text_area(
                name="keys",
                id="keys-text",
                rows="5",
                width="100%",
                placeholder=bt("One key per line, or paste a spreadsheet column"),
            ),
            rx.box(rx.button(bt("Import pasted keys"), type="submit", size="3", variant="soft", id="keys-submit")),
            spacing="2",
            on_submit=E.import_pasted_keys,
            reset_on_submit=True,
        ),
        _upload_zone(
            "keys-upload",
            bt("…or upload a CSV or text file (keys in the first column)."),
            multiple=False,
            accept={"text/csv": [".csv"], "text/plain": [".txt"]},
            handler=E.import_key_file,
            progressed=E.keys_progressed,
            button_label=bt("Import file"),
            label=bt("Key file to import (CSV or text)"),
        ),
        progress_bar("keys"),
        spacing="2",
        width="100%",
    )
    return rx.cond(
        (P.delivery_kind == DeliveryKind.KEYS) | (P.delivery_kind == DeliveryKind.BOTH),
        section_card(
            bt("License keys"),
            rx.hstack(
                rx.badge(
                    bt("Available: {count}", count=lic.counts.available),
                    color_scheme="green",
                    size="2",
                    id="keys-available",
                ),
                rx.badge(bt("Sold: {count}", count=lic.counts.sold), color_scheme="gray", size="2", id="keys-sold"),
                spacing="2",
            ),
            policy,
            rx.cond(lic.source == KeySource.IMPORTED, importer),
            description=bt(
                'Keys are encrypted at rest. A product selling your own keys shows "sold out" when none is left.'
            ),
            id="keys-section",
        ),
    )


def delivery_section() -> rx.Component:
    return section_card(
        bt("What buyers receive"),
        rx.box(
            dropdown(
                [
                    (DeliveryKind.FILES, bt("Downloadable files")),
                    (DeliveryKind.KEYS, bt("License keys")),
                    (DeliveryKind.BOTH, bt("Files and license keys")),
                ],
                name="delivery_kind",
                id="edit-delivery",
                default_value=P.delivery_kind,
                label=bt("What buyers receive"),
                on_change=E.set_delivery_kind,
            ),
            key="delivery-" + E.form_key.to_string(),
            width="100%",
        ),
        rx.link(
            rx.hstack(
                rx.icon("chart-bar", size=16),
                rx.text(bt("Download limits, counts and sold keys")),
                spacing="1",
                align="center",
            ),
            href=routes.fill(routes.SELLER_DELIVERY, delivery_product_id=P.id.to_string()),
            id="open-delivery",
        ),
        id="delivery-section",
    )


def editor() -> rx.Component:
    return column(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=16), rx.text(bt("All products")), spacing="1", align="center"),
            href=routes.SELLER,
            id="back-to-products",
        ),
        rx.heading(P.title, as_="h1", size="7", id="editor-title", style={"overflow_wrap": "anywhere"}),
        status_section(),
        details_section(),
        translations_section(),
        pricing_section(),
        images_section(),
        delivery_section(),
        rx.cond((P.delivery_kind == DeliveryKind.FILES) | (P.delivery_kind == DeliveryKind.BOTH), files_section()),
        keys_section(),
        max_width="48rem",
    )


@seller_page(
    routes.SELLER_PRODUCT,
    title=bo_N_("Edit product"),
    description=bo_N_("Edit a product in the seller studio."),
    on_load=E.load,
)
def product_editor() -> rx.Component:
    missing = missing_state(
        "package-x",
        bt("This product is not yours to edit"),
        bt("It does not exist, or it belongs to another shop."),
        id="editor-missing",
        back=(bt("Back to your products"), routes.SELLER, "editor-missing-back"),
    )
    return once_loaded(E.loaded, editor(), not_found=E.not_found, missing=missing)
