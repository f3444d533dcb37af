"""The leak tracer, in the seller studio (/seller/leaks) and the admin console (/admin/leaks)."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from components import theme
from components.admin import admin_header
from components.forms import form_error, form_notice
from components.i18n import bt
from components.seller_nav import seller_nav
from components.uploader import labelled_upload
from state.leaks import LeakTracerState as L
from storefront.layout import admin_page, seller_page

UPLOAD_ID = "leak-upload"
NOT_DRM = bo_N_(
    "Fingerprints and online-only viewing protect against casual copying; they are not studio-grade DRM. "
    "A determined person can still copy what they can see or hear. What the fingerprint does is tell you "
    "which purchase a leaked copy came from."
)


def _upload_form() -> rx.Component:
    return rx.vstack(
        labelled_upload(
            rx.vstack(
                rx.icon("file-search", size=22),
                rx.text(bt("Drop a suspicious file here, or click to choose one"), size="2"),
                rx.text(bt("PDF, PNG, JPEG, WebP, EPUB, ZIP, MP3 or WAV"), size="1", color=theme.TEXT_MUTED),
                align="center",
                spacing="1",
            ),
            id=UPLOAD_ID,
            label=bt("Suspicious file to trace"),
            max_files=1,
            border=f"1px dashed {rx.color('gray', 8)}",
            padding="1.25rem",
            width="100%",
            border_radius=theme.RADIUS_CONTROL,
        ),
        rx.foreach(rx.selected_files(UPLOAD_ID), lambda name: rx.text(name, size="1", color=theme.TEXT_MUTED)),
        rx.button(
            rx.icon("fingerprint", size=16),
            bt("Trace this file"),
            on_click=[L.trace(rx.upload_files(upload_id=UPLOAD_ID)), rx.clear_selected_files(UPLOAD_ID)],
            loading=L.tracing,
            size="3",
            id="trace-submit",
        ),
        spacing="2",
        width="100%",
    )


def _layer_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.layer),
        rx.table.cell(
            rx.badge(
                row.outcome_label,
                color_scheme=rx.match(row.outcome, ("verified", "green"), ("tampered", "red"), "gray"),
            )
        ),
        rx.table.cell(rx.cond(row.order_line_id > 0, "#" + row.order_line_id.to_string(), "")),
        rx.table.cell(row.detail, color=theme.TEXT_MUTED),
    )


def _purchase() -> rx.Component:
    p = L.report.purchase
    return rx.card(
        rx.vstack(
            rx.heading(bt("The purchase"), as_="h3", size="4"),
            rx.data_list.root(
                rx.data_list.item(
                    rx.data_list.label(bt("Order")), rx.data_list.value(p.order_reference, id="traced-order")
                ),
                rx.data_list.item(rx.data_list.label(bt("Product")), rx.data_list.value(p.product_title)),
                rx.data_list.item(rx.data_list.label(bt("Buyer")), rx.data_list.value(p.buyer, id="traced-buyer")),
                rx.data_list.item(rx.data_list.label(bt("Bought")), rx.data_list.value(p.purchased_label)),
                rx.data_list.item(
                    rx.data_list.label(bt("Order line")), rx.data_list.value("#" + p.order_line_id.to_string())
                ),
                rx.data_list.item(
                    rx.data_list.label(bt("Access")),
                    rx.data_list.value(
                        rx.cond(p.access_granted, bt("Can still download"), bt("Revoked")), id="traced-access"
                    ),
                ),
            ),
            rx.cond(
                p.access_granted,
                rx.alert_dialog.root(
                    rx.alert_dialog.trigger(
                        rx.button(
                            bt("Revoke this purchase's access"), color_scheme="red", variant="soft", id="revoke-open"
                        )
                    ),
                    rx.alert_dialog.content(
                        rx.alert_dialog.title(bt("Revoke access from order {order}?", order=p.order_reference)),
                        rx.alert_dialog.description(
                            bt(
                                "The buyer can no longer download this product and its license keys stop working. "
                                "No refund is made. This is recorded in the audit log."
                            )
                        ),
                        rx.hstack(
                            rx.alert_dialog.cancel(rx.button(bt("Keep access"), variant="soft", color_scheme="gray")),
                            rx.alert_dialog.action(
                                rx.button(
                                    bt("Revoke access"),
                                    color_scheme="red",
                                    on_click=L.revoke(p.order_line_id),
                                    id="revoke-confirm",
                                )
                            ),
                            spacing="3",
                            justify="end",
                            margin_top="1rem",
                        ),
                    ),
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="traced-purchase",
    )


def _report() -> rx.Component:
    r = L.report
    return rx.vstack(
        rx.callout.root(
            # Fixed icons per verdict: an icon named by a var makes Reflex ship lucide's
            # whole icon map (~1,750 icons) with this page.
            rx.callout.icon(
                rx.match(
                    r.verdict,
                    ("traced", rx.icon("fingerprint")),
                    ("conflict", rx.icon("triangle-alert")),
                    ("tampered", rx.icon("shield-alert")),
                    rx.icon("info"),
                )
            ),
            rx.callout.text(r.headline),
            color_scheme=rx.match(r.verdict, ("traced", "green"), ("tampered", "red"), ("conflict", "orange"), "gray"),
            id="trace-verdict",
            width="100%",
        ),
        rx.text(r.filename, " · ", r.kind_label, size="2", color=theme.TEXT_MUTED),
        rx.text(rx.text.strong(bt("Confidence:")), " ", r.confidence, size="2", id="trace-confidence"),
        rx.cond(r.purchase, _purchase()),
        rx.cond(
            r.layers.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell(bt("Layer")),
                            rx.table.column_header_cell(bt("Finding")),
                            rx.table.column_header_cell(bt("Order line")),
                            rx.table.column_header_cell(bt("Detail")),
                        )
                    ),
                    rx.table.body(rx.foreach(r.layers, _layer_row)),
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
                id="trace-layers",
            ),
        ),
        spacing="3",
        width="100%",
        id="trace-report",
    )


def tracer_body() -> rx.Component:
    return rx.vstack(
        rx.text(
            bt(
                "Upload a copy you found online. The tracer reads the invisible fingerprint that every buyer's copy "
                "carries when fingerprints are on for the product, checks that it is genuine, and shows the purchase "
                "it came from. Nothing you upload is kept."
            ),
            color=theme.TEXT_MUTED,
        ),
        rx.callout(bt(NOT_DRM), icon="info", color_scheme="gray", size="1", id="not-drm"),
        _upload_form(),
        form_error(L.error, id="trace-error"),
        form_notice(L.notice, id="trace-notice"),
        rx.cond(L.report, _report()),
        spacing=theme.GAP,
        width="100%",
        max_width="56rem",
    )


@seller_page(
    routes.SELLER_LEAKS,
    title=bo_N_("Leak tracer"),
    description=bo_N_("Find which purchase a leaked copy of your product came from."),
    on_load=L.load,
)
def seller_leaks() -> rx.Component:
    return rx.vstack(
        seller_nav(routes.SELLER_LEAKS),
        rx.heading(bt("Leak tracer"), as_="h1", size="7"),
        tracer_body(),
        spacing=theme.GAP,
        width="100%",
    )


@admin_page(
    routes.ADMIN_LEAKS,
    title=bo_N_("Leak tracer"),
    description=bo_N_("Find which purchase a leaked file came from, in any shop."),
    on_load=L.load,
)
def admin_leaks() -> rx.Component:
    return rx.vstack(
        admin_header(bt("Leak tracer"), routes.ADMIN_LEAKS), tracer_body(), spacing=theme.GAP, width="100%"
    )
