"""Pieces of the buyer's library: an owned product's row, a file, a license key."""

from __future__ import annotations

import reflex as rx

from components import theme
from components.cover import cover
from components.i18n import t

TextLike = str | rx.Var


def library_row(
    *,
    title: TextLike,
    shop_name: TextLike,
    url: TextLike,
    cover_url: TextLike,
    acquired_label: TextLike,
    updated: rx.Var | bool,
    delivering: rx.Var | bool,
    version_label: TextLike,
    receipt_url: TextLike,
    order_reference: TextLike,
) -> rx.Component:
    return rx.card(
        rx.hstack(
            cover(cover_url, width="4.5rem", height="3.5rem", flex_shrink="0", border_radius=theme.RADIUS_CONTROL),
            rx.vstack(
                rx.hstack(
                    rx.link(title, href=url, weight="medium", size="3", class_name="library-title"),
                    rx.cond(
                        updated,
                        rx.badge(
                            t("Updated"),
                            color_scheme="green",
                            variant="solid",
                            custom_attrs={"data-testid": "updated-badge"},
                        ),
                    ),
                    rx.cond(
                        delivering,
                        rx.badge(
                            t("Delivering…"), color_scheme="amber", custom_attrs={"data-testid": "delivering-badge"}
                        ),
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(shop_name, size="2", color=theme.TEXT_MUTED),
                rx.hstack(
                    rx.text(t("Bought {date}", date=acquired_label), size="1", color=theme.TEXT_MUTED),
                    rx.cond(
                        version_label != "",
                        rx.text("· ", t("Version {version}", version=version_label), size="1", color=theme.TEXT_MUTED),
                    ),
                    rx.cond(
                        order_reference != "",
                        rx.link(t("Receipt"), href=receipt_url, size="1", class_name="library-receipt"),
                    ),
                    spacing="2",
                    wrap="wrap",
                    align="center",
                ),
                spacing="1",
                min_width="0",
            ),
            spacing="3",
            align="center",
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-testid": "library-item"},
    )


def _view_online(reader_url: TextLike, view_kind: TextLike, filename: TextLike) -> rx.Component:
    """Instead of a download: the reader (PDF) or the player (audio, video), in the site."""
    is_pdf = view_kind == "pdf"
    return rx.button(
        rx.link(
            rx.cond(is_pdf, rx.icon("book-open", size=16), rx.icon("play", size=16)),
            rx.cond(is_pdf, t("Read online"), t("Play")),
            href=reader_url,
            underline="none",
            aria_label=rx.cond(is_pdf, t("Read online: {file}", file=filename), t("Play: {file}", file=filename)),
        ),
        as_child=True,
        size="2",
        variant="soft",
        custom_attrs={"data-testid": "view-online"},
    )


def file_row(
    *,
    filename: TextLike,
    size_label: TextLike,
    stamped: rx.Var | bool,
    busy: rx.Var | bool,
    on_download,
    online_only: rx.Var | bool = False,
    reader_url: TextLike = "",
    view_kind: TextLike = "",
) -> rx.Component:
    return rx.hstack(
        rx.icon("file", size=18, flex_shrink="0"),
        rx.vstack(
            rx.text(filename, size="2", weight="medium", style={"overflow_wrap": "anywhere"}),
            rx.hstack(
                rx.text(size_label, size="1", color=theme.TEXT_MUTED),
                rx.cond(
                    stamped,
                    rx.text("· ", t("Stamped with your email"), size="1", color=theme.TEXT_MUTED),
                    rx.fragment(),
                ),
                rx.cond(
                    online_only, rx.text("· ", t("View online only"), size="1", color=theme.TEXT_MUTED), rx.fragment()
                ),
                spacing="1",
            ),
            spacing="0",
            flex_grow="1",
            min_width="0",
        ),
        rx.cond(
            online_only,
            _view_online(reader_url, view_kind, filename),
            rx.button(
                rx.icon("download", size=16),
                t("Download"),
                on_click=on_download,
                loading=busy,
                size="2",
                variant="soft",
                custom_attrs={"data-testid": "download-file"},
            ),
        ),
        align="center",
        spacing="3",
        width="100%",
        padding_y="0.5rem",
        border_top=f"1px solid {theme.BORDER}",
        custom_attrs={"data-testid": "library-file"},
    )


def key_row(
    *,
    shown: TextLike,
    status_label: TextLike,
    valid: rx.Var | bool,
    expires_label: TextLike,
    activations: TextLike,
    revealed: rx.Var | bool,
    on_reveal,
    on_hide,
    on_copy,
) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.code(
                shown, size="3", style={"overflow_wrap": "anywhere"}, custom_attrs={"data-testid": "license-key-text"}
            ),
            rx.badge(status_label, color_scheme=rx.cond(valid, "green", "red")),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.text(expires_label, " · ", activations, size="1", color=theme.TEXT_MUTED),
        rx.hstack(
            rx.cond(
                revealed,
                rx.button(
                    rx.icon("eye-off", size=16),
                    t("Hide"),
                    on_click=on_hide,
                    size="2",
                    variant="soft",
                    custom_attrs={"data-testid": "hide-key"},
                ),
                rx.button(
                    rx.icon("eye", size=16),
                    t("Reveal"),
                    on_click=on_reveal,
                    size="2",
                    variant="soft",
                    custom_attrs={"data-testid": "reveal-key"},
                ),
            ),
            # Copied in the browser from the key on show: a copy made by the server would need
            # Reflex's call_script, which evaluates code and the page's CSP forbids.
            rx.cond(
                revealed,
                rx.button(
                    rx.icon("copy", size=16),
                    t("Copy"),
                    on_click=[rx.set_clipboard(shown), on_copy],
                    size="2",
                    custom_attrs={"data-testid": "copy-key"},
                ),
            ),
            spacing="2",
        ),
        spacing="2",
        width="100%",
        padding_y="0.5rem",
        border_top=f"1px solid {theme.BORDER}",
        custom_attrs={"data-testid": "license-key"},
    )
