"""Admin: feature flags, each rolled out to everyone, nobody, listed accounts or a share of accounts."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.flags.service import ROLLOUT_LABELS
from commerce.i18n import bo_N_
from components import theme
from components.admin import admin_header
from components.forms import form_error, form_notice, stacked_form
from components.i18n import bt
from components.loading import listed
from components.studio import dropdown
from state.admin import AdminFlagsState
from storefront.layout import admin_page

ROLLOUTS = [(rollout.value, bt(label)) for rollout, label in ROLLOUT_LABELS.items()]


def _label(text: rx.Var, html_for) -> rx.Component:
    return rx.el.label(text, html_for=html_for, font_weight="500", font_size="0.9rem")


def flag_card(flag) -> rx.Component:
    field = "flag-" + flag.key
    return rx.card(
        stacked_form(
            rx.hstack(
                rx.heading(flag.label, as_="h2", size="4"),
                rx.code(flag.key),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(flag.description, color=theme.TEXT_MUTED, size="2"),
            rx.text(
                rx.text.strong(bt("Now:")),
                " ",
                rx.el.span(flag.summary, custom_attrs={"data-testid": "flag-summary"}),
                " ",
                rx.cond(
                    flag.updated_label != "",
                    rx.el.span(bt("(changed {moment} by {who})", moment=flag.updated_label, who=flag.updated_by)),
                    rx.el.span(bt("(the default: {default})", default=flag.default_label)),
                ),
                size="2",
            ),
            rx.el.input(type="hidden", name="key", value=flag.key),
            _label(bt("On for"), field + "-rollout"),
            dropdown(ROLLOUTS, name="rollout", id=field + "-rollout", default_value=flag.rollout),
            _label(bt("Percentage of accounts (with “A share of accounts”)"), field + "-percentage"),
            rx.input(
                name="percentage",
                id=field + "-percentage",
                default_value=flag.percentage.to_string(),
                input_mode="numeric",
                width="8rem",
            ),
            _label(bt("Accounts, by email, one per line (with “Listed accounts”)"), field + "-accounts"),
            rx.text_area(name="accounts", id=field + "-accounts", default_value=flag.accounts, rows="3", width="100%"),
            rx.button(bt("Save"), type="submit", id=field + "-save", width="fit-content"),
            on_submit=AdminFlagsState.save,
            key=flag.key + AdminFlagsState.form_key.to_string(),
        ),
        size="3",
        width="100%",
        custom_attrs={"data-flag": flag.key},
    )


@admin_page(
    routes.ADMIN_FLAGS,
    title=bo_N_("Feature flags"),
    description=bo_N_("Roll features out to everyone, nobody, some accounts or a share of accounts."),
    on_load=AdminFlagsState.load,
)
def admin_flags() -> rx.Component:
    return rx.vstack(
        admin_header(
            bt("Feature flags"),
            routes.ADMIN_FLAGS,
            bt(
                "A share of accounts is stable: raising 10 % to 20 % keeps the first accounts and adds others. "
                "Every server sees a change within a few seconds; each change is in the audit record."
            ),
        ),
        form_notice(AdminFlagsState.notice, id="flags-notice"),
        form_error(AdminFlagsState.error, id="flags-error"),
        listed(
            AdminFlagsState.flags,
            rx.vstack(rx.foreach(AdminFlagsState.flags, flag_card), spacing=theme.GAP, width="100%"),
            loaded=AdminFlagsState.loaded,
            empty=rx.text(bt("No flags are registered.")),
        ),
        spacing=theme.GAP,
        width="100%",
    )
