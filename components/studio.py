"""Small pieces of the seller studio: status badges, native selects, field errors."""

from __future__ import annotations

import reflex as rx

from commerce.i18n import bo_N_
from commerce.models import PricingMode
from components import theme
from components.i18n import bt

TextLike = str | rx.Var

# How a product is priced: the product editor's and the new-product form's choices.
# The labels are English msgids of the backoffice catalog: show them with bt(label).
PRICING_OPTIONS = [(PricingMode.FIXED, bo_N_("Fixed price")), (PricingMode.PWYW, bo_N_("Pay what you want"))]
# A product's status (catalog.queries.status_label, in English) and its colour; shown with bt().
STATUS_COLORS = {
    bo_N_("Live"): "green",
    bo_N_("In review"): "amber",
    bo_N_("Rejected"): "red",
    bo_N_("Draft"): "gray",
    bo_N_("Archived"): "gray",
}


def status_badge(label: TextLike, *, id: str = "") -> rx.Component:
    label_var = rx.Var.create(label)
    color = rx.match(label_var, *STATUS_COLORS.items(), "gray")
    shown = rx.match(label_var, *[(status, bt(status)) for status in STATUS_COLORS], label_var)
    return rx.badge(shown, color_scheme=color, variant="soft", size="2", id=id or None)


NATIVE_CONTROL_STYLE = {
    "width": "100%",
    "min_height": "2.5rem",
    "padding": "0.4rem 0.6rem",
    "border": f"1px solid {theme.BORDER}",
    "border_radius": theme.RADIUS_CONTROL,
    "background": "transparent",
    "color": "inherit",
    "font": "inherit",
}


def dropdown(
    options: list[tuple[str, str]],
    *extra: rx.Component,
    name: str,
    id: str,
    default_value: TextLike = "",
    on_change=None,
    label: str = "",
) -> rx.Component:
    """A native <select> (works in forms, on phones and with a keyboard by itself).

    `options` are (value, label) pairs; `extra` are further <option>s, e.g. from a foreach.
    `label` names a select that has no visible <label> of its own (a filter in a toolbar).
    """
    props: dict = {"on_change": on_change} if on_change is not None else {}
    if isinstance(label, rx.Var) or label:
        props["aria_label"] = label
    return rx.el.Select.create(
        *[rx.el.option(label, value=value) for value, label in options],
        *extra,
        name=name,
        id=id,
        default_value=default_value,
        style=NATIVE_CONTROL_STYLE,
        **props,
    )


def field_label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(text, html_for=html_for, font_weight="500", font_size="0.9rem")


def field_error(message: TextLike, *, id: str) -> rx.Component:
    message_var = rx.Var.create(message)
    return rx.cond(message_var != "", rx.text(message_var, id=id, size="2", color=theme.DANGER_TEXT, role="alert"))


# Said next to every online-only option in the studio (and in docs/content-protection.md).
ONLINE_ONLY_NOTE = bo_N_(
    "View online only: buyers read a PDF page by page or play audio and video on this site, and get "
    "no link to the file. This protects against casual copying, not a determined copier (a screenshot or "
    "a recording still works): it is not studio-grade DRM such as Widevine or FairPlay, which need licences. "
    "What traces a leaked file is the invisible fingerprint."
)
