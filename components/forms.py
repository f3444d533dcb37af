"""Form building blocks: labelled inputs with their error, submit buttons, notices."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.forms import Form

from components import theme
from components.i18n import t
from components.studio import dropdown, field_error, field_label

TextLike = str | rx.Var


def form_card(title: str, *children: rx.Component, subtitle: str = "") -> rx.Component:
    """A centred card holding one form (sign-in, sign-up, reset)."""
    return rx.box(
        rx.card(
            rx.vstack(
                rx.heading(title, as_="h1", size="6"),
                rx.cond(subtitle != "", rx.text(subtitle, color=theme.TEXT_MUTED, size="2")),
                *children,
                spacing=theme.GAP,
                width="100%",
            ),
            size=rx.breakpoints(initial="2", sm="3"),
            width="100%",
        ),
        width="100%",
        max_width=theme.FORM_MAX_WIDTH,
        margin_x="auto",
    )


def section_card(title: str, *children: rx.Component, description: str = "", id: str = "") -> rx.Component:
    """A titled card for one part of a settings-like page."""
    return rx.card(
        rx.vstack(
            rx.heading(title, as_="h2", size="4"),
            rx.cond(description != "", rx.text(description, color=theme.TEXT_MUTED, size="2")),
            *children,
            spacing=theme.GAP,
            width="100%",
        ),
        id=id or None,
        size="3",
        width="100%",
    )


def field(label: str, control: rx.Component, *more: rx.Component, html_for: str) -> rx.Component:
    """A form control under its visible label (and `more` under it: a hint, an error)."""
    return rx.vstack(field_label(label, html_for), control, *more, spacing="1", width="100%")


def choice_field(
    label: str, options: list[tuple[str, str]], *, name: str, id: str, default_value: TextLike = "", **props
) -> rx.Component:
    """A native select of (value, label) `options` under its label."""
    return field(label, dropdown(options, name=name, id=id, default_value=default_value, **props), html_for=id)


def two_columns(*children: rx.Component) -> rx.Component:
    """Fields side by side from a tablet up, one under the other on a phone."""
    return rx.grid(*children, columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%")


def labelled_input(
    label: str,
    *,
    name: str,
    id: str,
    type: str = "text",
    error: TextLike = "",
    hint: TextLike = "",
    auto_complete: str = "",
    placeholder: TextLike = "",
    required: bool = True,
    **input_props,
) -> rx.Component:
    """An input with its visible label, an optional hint and its error message (`input_props`
    go to the input: a default value, an input mode)."""
    error_var = rx.Var.create(error)
    error_id = f"{id}-error"
    return field(
        label,
        rx.input(
            id=id,
            name=name,
            type=type,
            auto_complete=auto_complete or None,
            # A translated placeholder is a Var (always given); a plain one may be left out.
            placeholder=placeholder if isinstance(placeholder, rx.Var) else (placeholder or None),
            required=required,
            size="3",
            width="100%",
            aria_invalid=rx.cond(error_var != "", "true", "false"),
            aria_describedby=error_id,
            color_scheme=rx.cond(error_var != "", "red", theme.RADIX_ACCENT),
            **input_props,
        ),
        rx.cond(hint != "", rx.text(hint, size="1", color=theme.TEXT_MUTED)),
        field_error(error_var, id=error_id),
        html_for=id,
    )


def submit_button(label: str, *, id: str, loading: bool | rx.Var = False) -> rx.Component:
    """The form's main action; disabled with a spinner while the request runs."""
    return rx.button(
        label,
        id=id,
        type="submit",
        loading=loading,
        size="3",
        width="100%",
        style=theme.CTA_BUTTON_STYLE,
    )


def stacked_form(*children: rx.Component, on_submit, spacing: str = theme.GAP, **props) -> rx.Component:
    """A form whose fields and buttons stand one under the other, as wide as their column."""
    return rx.form(rx.vstack(*children, spacing=spacing, width="100%"), on_submit=on_submit, width="100%", **props)


class _NativeForm(rx.el.div.__self__):  # type: ignore[misc,name-defined]
    """A plain <form>: Reflex's form element always cancels the browser's own submission."""

    tag = "form"


def posted_form(*children: rx.Component, action: str, spacing: str = theme.GAP, **props) -> rx.Component:
    """A form the browser itself posts to an HTTP route (sign-in: only an HTTP response can
    set the HttpOnly session cookie), instead of sending it over the websocket."""
    return _NativeForm.create(
        rx.vstack(*children, spacing=spacing, width="100%"),
        custom_attrs={"action": action, "method": "post"},
        width="100%",
        **props,
    )


def submit_row(button: rx.Component) -> rx.Component:
    """A form's submit button: full width on a phone, its own width from a tablet up."""
    return rx.box(button, width=rx.breakpoints(initial="100%", sm="auto"))


def search_form(
    *,
    on_submit,
    id: str,
    value: TextLike,
    placeholder: str,
    label: str,
    button: str | rx.Var | None = None,
    filters: tuple[rx.Component, ...] = (),
    **input_props,
) -> rx.Component:
    """A list's search box (`q`), any filters, and its button, on a line that wraps on a phone."""
    return rx.form(
        rx.flex(
            rx.input(
                name="q",
                id=id,
                default_value=value,
                type="search",
                placeholder=placeholder,
                size="3",
                flex_grow="1",
                min_width="14rem",
                aria_label=label,
                **input_props,
            ),
            *filters,
            rx.button(t("Search") if button is None else button, type="submit", size="3", id=f"{id}-submit"),
            gap="0.5rem",
            wrap="wrap",
            width="100%",
        ),
        on_submit=on_submit,
        role="search",
        # Named, so it is told apart from the header's product search landmark.
        aria_label=label,
        width="100%",
    )


def inline_form(*controls: rx.Component, on_submit, **props) -> rx.Component:
    """A few short fields and their button on one line (wrapping on a phone)."""
    return rx.form(rx.hstack(*controls, spacing="2", wrap="wrap"), on_submit=on_submit, **props)


def reason_field(*, label: str, placeholder: str, id: str = "", min_width: str = "16rem", **props) -> rx.Component:
    """The `reason` a decision or a refund is given for, growing to fill its line."""
    return rx.input(
        name="reason",
        id=id or None,
        placeholder=placeholder,
        aria_label=label,
        min_width=min_width,
        **{"flex_grow": "1", **props},
    )


def action_row(*controls: rx.Component) -> rx.Component:
    """A field and its buttons on one line, wrapping on a phone."""
    return rx.hstack(*controls, spacing="2", wrap="wrap", width="100%")


def banner(
    content, *, icon: str, color: str, id: str = "", alert: bool = False, high_contrast: bool = False
) -> rx.Component:
    """A coloured box with an icon around a message; `alert` for a problem, read out at once.

    `high_contrast` for long text on the tinted background (the darkest shade of the colour:
    WCAG AA contrast for normal-size text at any length)."""
    return rx.callout(
        content,
        icon=icon,
        color_scheme=color,
        role="alert" if alert else "status",
        id=id or None,
        width="100%",
        high_contrast=high_contrast,
    )


def form_error(message: TextLike, *, id: str = "") -> rx.Component:
    """A problem with the whole form (wrong password, rate limit...)."""
    message_var = rx.Var.create(message)
    return rx.cond(
        message_var != "",
        banner(message_var, icon="triangle_alert", color="red", alert=True, id=id),
    )


def form_notice(message: TextLike, *, id: str = "") -> rx.Component:
    """A success message after a form did its work."""
    message_var = rx.Var.create(message)
    return rx.cond(
        message_var != "",
        banner(message_var, icon="circle_check", color="green", id=id),
    )


class _NativeForm(Form):
    """A <form> the browser submits itself.

    `rx.form` always prevents the browser's submission and sends the data as an
    event instead; a GET form (search) must also work before the page's scripts
    run and needs no state at all.
    """

    @classmethod
    def create(cls, *children, **props) -> rx.Component:
        # Skip Form.create, which installs the preventDefault submit handler.
        return super(Form, cls).create(*children, **props)


def get_form(*children: rx.Component, action: str, **props) -> rx.Component:
    """A plain HTML form that navigates to `action?<fields>` on submit."""
    return _NativeForm.create(*children, action=action, method="get", **props)
