"""The studio's Developers page: API keys for the seller REST API (create, shown once, revoke)."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from components import theme
from components.empty_state import empty_state
from components.forms import (
    choice_field,
    form_error,
    form_notice,
    labelled_input,
    section_card,
    stacked_form,
    submit_button,
    submit_row,
)
from components.i18n import bt
from components.row_list import ROW_STYLE, row_list
from components.seller_nav import seller_nav
from components.step_up import step_up_prompt
from state.developers import SCOPE_CHOICES, DevelopersState, KeyRow
from storefront.layout import seller_page

# An HTTP header, not a sentence: the same in every language.
AUTH_HEADER = "Authorization: Bearer"
EXPIRY_OPTIONS = [
    ("never", bo_N_("Never")),
    ("7", bo_N_("In 7 days")),
    ("30", bo_N_("In 30 days")),
    ("90", bo_N_("In 90 days")),
    ("365", bo_N_("In a year")),
]


def _scope_field(choice) -> rx.Component:
    levels = [("", bt("No access")), ("read", bt("Read"))]
    if choice.writable:
        levels.append(("write", bt("Read and write")))
    return choice_field(bt(choice.label), levels, name=choice.name, id=f"key-{choice.name}", default_value="")


def key_form() -> rx.Component:
    return section_card(
        bt("New API key"),
        stacked_form(
            labelled_input(
                bt("Name"),
                name="name",
                id="key-name",
                placeholder=bt("Accounting export"),
                hint=bt("What will use the key, so you can tell keys apart."),
            ),
            rx.grid(
                *[_scope_field(choice) for choice in SCOPE_CHOICES],
                columns=rx.breakpoints(initial="1", sm="2", md="3"),
                spacing="3",
                width="100%",
            ),
            choice_field(
                bt("Expires"),
                [(value, bt(label)) for value, label in EXPIRY_OPTIONS],
                name="expires_in_days",
                id="key-expires",
                default_value="never",
            ),
            submit_row(submit_button(bt("Create key"), id="key-submit", loading=DevelopersState.pending)),
            on_submit=DevelopersState.create,
            reset_on_submit=True,
            id="key-form",
        ),
        description=bt("Give each key only the access it needs. Write includes read."),
        id="new-key",
    )


def new_secret_panel() -> rx.Component:
    return rx.cond(
        DevelopersState.new_secret != "",
        rx.callout.root(
            rx.vstack(
                rx.text(
                    bt("Copy this key now. It is shown only once; we keep only a fingerprint of it."), weight="bold"
                ),
                rx.code(DevelopersState.new_secret, id="new-key-secret", word_break="break-all", size="3"),
                rx.hstack(
                    rx.button(
                        rx.icon("copy", size=15),
                        bt("Copy key"),
                        on_click=rx.set_clipboard(DevelopersState.new_secret),
                        size="2",
                        id="copy-key",
                    ),
                    rx.button(
                        bt("I have saved it"),
                        on_click=DevelopersState.dismiss_secret,
                        variant="soft",
                        color_scheme="gray",
                        size="2",
                        id="dismiss-key",
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                spacing="2",
                width="100%",
            ),
            color_scheme="amber",
            width="100%",
            id="new-key-panel",
        ),
    )


def key_row(key: KeyRow) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.hstack(
                rx.text(key.name, weight="bold"),
                rx.code(key.prefix, "…"),
                rx.badge(key.status_label, color_scheme=rx.cond(key.active, "green", "gray"), variant="soft"),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(key.scopes_label, size="2", font_family="monospace", word_break="break-word"),
            rx.text(
                bt(
                    "Created {created} · Last used: {used} · {expires}",
                    created=key.created_label,
                    used=key.last_used_label,
                    expires=key.expires_label,
                ),
                size="2",
                color=theme.TEXT_MUTED,
            ),
            spacing="1",
            min_width="0",
        ),
        rx.spacer(),
        rx.cond(
            key.active,
            rx.button(
                bt("Revoke"),
                on_click=DevelopersState.revoke(key.id),
                color_scheme="red",
                variant="soft",
                size="2",
                aria_label=bt("Revoke key {name}", name=key.name),
            ),
        ),
        align="center",
        spacing="3",
        width="100%",
        **ROW_STYLE,
        custom_attrs={"data-testid": "key-row"},
    )


@seller_page(
    routes.SELLER_DEVELOPERS,
    title=bo_N_("Developers"),
    description=bo_N_("API keys for your shop's REST API."),
    on_load=DevelopersState.load,
)
def seller_developers() -> rx.Component:
    return rx.vstack(
        rx.heading(bt("Developers"), as_="h1", size="7"),
        seller_nav(routes.SELLER_DEVELOPERS),
        rx.text(
            bt(
                "Your code reaches your shop's products, sales, customers, license keys and discount codes "
                "through the REST API with a key sent as"
            ),
            " ",
            rx.code(AUTH_HEADER, " …"),
            ". ",
            rx.link(bt("API reference"), href=routes.API_REFERENCE, is_external=True, id="api-reference-link"),
            color=theme.TEXT_MUTED,
        ),
        form_error(DevelopersState.error, id="key-error"),
        form_notice(DevelopersState.notice, id="key-notice"),
        step_up_prompt(DevelopersState.step_up_needed, DevelopersState.confirm_step_up),
        new_secret_panel(),
        row_list(
            DevelopersState.keys,
            key_row,
            id="key-list",
            loaded=DevelopersState.loaded,
            empty=empty_state(
                "key-round", bt("No API keys yet"), bt("Create a key below for your code."), id="key-empty"
            ),
        ),
        key_form(),
        spacing=theme.GAP,
        width="100%",
    )
