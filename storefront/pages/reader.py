"""/read/<file id>: an online-only file in the browser. A PDF is read page by page as
images rendered on the server with the buyer's licence line; audio and video play from
a short-lived stream link, a video through HLS (hls.js) once it is cut into segments.
There is no download here."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.catalog.viewable import ViewKind
from components import theme
from components.buttons import back_link
from components.empty_state import missing_state
from components.forms import form_error
from components.hls_video import hls_video
from components.i18n import t
from components.loading import once_loaded
from state.reader import ReaderState as R
from storefront.layout import column, library_page

V = R.view


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=18),
            t("Previous"),
            on_click=R.previous_page,
            disabled=R.page <= 1,
            variant="soft",
            size="3",
            id="reader-previous",
            aria_label=t("Previous page"),
        ),
        rx.text(
            t("Page {page} of {count}", page=R.page.to_string(), count=V.page_count.to_string()),
            size="2",
            id="reader-page-number",
            aria_live="polite",
        ),
        rx.button(
            t("Next"),
            rx.icon("chevron-right", size=18),
            on_click=R.next_page,
            disabled=R.page >= V.page_count,
            variant="soft",
            size="3",
            id="reader-next",
            aria_label=t("Next page"),
        ),
        justify="between",
        align="center",
        width="100%",
    )


def _pdf() -> rx.Component:
    return rx.vstack(
        # Arrow keys anywhere on the page (the handler ignores every other key).
        rx.window_event_listener(on_key_down=R.key),
        _pager(),
        rx.el.div(
            rx.image(
                src=R.page_url,
                alt=t("Page {page} of {file}", page=R.page.to_string(), file=V.filename),
                width="100%",
                height="auto",
                id="reader-page-image",
                style={"user_select": "none", "-webkit-user-drag": "none"},
            ),
            role="region",
            aria_label=t(
                "Page {page} of {count}: the left and right arrow keys turn the pages",
                page=R.page.to_string(),
                count=V.page_count.to_string(),
            ),
            id="reader-region",
            style={
                "width": "100%",
                "border": f"1px solid {theme.BORDER}",
                "border_radius": theme.RADIUS_CONTROL,
                "overflow": "hidden",
                "background": "white",
            },
        ),
        _pager(),
        spacing="3",
        width="100%",
    )


def _player() -> rx.Component:
    return rx.cond(
        V.kind == ViewKind.VIDEO,
        # HLS through hls.js once the video is cut into segments; the ranged stream until then.
        hls_video(
            src=V.hls_url,
            fallback_src=V.stream_url,
            controls=True,
            preload="metadata",
            width="100%",
            id="reader-video",
            custom_attrs={
                "aria-label": t("Play: {file}", file=V.filename),
                "controlsList": "nodownload",
                "disablePictureInPicture": True,
            },
        ),
        rx.el.audio(
            src=V.stream_url,
            controls=True,
            preload="metadata",
            id="reader-audio",
            aria_label=t("Play: {file}", file=V.filename),
            style={"width": "100%"},
            custom_attrs={"controlsList": "nodownload"},
        ),
    )


@library_page(
    routes.READER,
    title=t("Read online"),
    description=t("An online-only file in your library."),
    on_load=R.load,
)
def reader() -> rx.Component:
    found = rx.vstack(
        back_link(t("Back to {product}", product=V.product_title), V.library_url),
        rx.heading(V.filename, as_="h1", size="6", id="reader-title", style={"overflow_wrap": "anywhere"}),
        rx.text(
            t("View online only. Licensed to you: {licence}", licence=V.licence_line),
            size="2",
            color=theme.TEXT_MUTED,
        ),
        form_error(R.error, id="reader-error"),
        rx.cond(V.kind == ViewKind.PDF, _pdf(), _player()),
        spacing="3",
        width="100%",
    )
    missing = missing_state(
        "book-x",
        t("Not available to view"),
        t("This file is not in your library to view online."),
        id="reader-missing",
        back=(t("Open your library"), routes.LIBRARY, "reader-library"),
    )
    return column(once_loaded(R.loaded, found, not_found=R.not_found, missing=missing), max_width="60rem")
