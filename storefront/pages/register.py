"""Create an account."""

from __future__ import annotations

import reflex as rx

import routes
from components.forms import form_card, form_error, labelled_input, stacked_form, submit_button
from state.session import SessionState
from storefront.layout import shop_page


@shop_page(
    routes.REGISTER,
    title="Create an account",
    description="Create a marketplace account to buy digital products and keep them in your library.",
    on_load=SessionState.open_sign_in_page,
)
def register() -> rx.Component:
    return form_card(
        "Create an account",
        stacked_form(
            form_error(SessionState.register_errors.get("form", ""), id="register-error"),
            labelled_input(
                "Email",
                name="email",
                id="register-email",
                type="email",
                auto_complete="email",
                error=SessionState.register_errors.get("email", ""),
            ),
            labelled_input(
                "Display name",
                name="display_name",
                id="register-display-name",
                auto_complete="name",
                hint="Shown on your reviews and your shop.",
                error=SessionState.register_errors.get("display_name", ""),
            ),
            labelled_input(
                "Password",
                name="password",
                id="register-password",
                type="password",
                auto_complete="new-password",
                hint="At least 10 characters.",
                error=SessionState.register_errors.get("password", ""),
            ),
            labelled_input(
                "Confirm password",
                name="confirm_password",
                id="register-confirm-password",
                type="password",
                auto_complete="new-password",
                error=SessionState.register_errors.get("confirm", ""),
            ),
            submit_button("Create account", id="register-submit", loading=SessionState.register_pending),
            on_submit=SessionState.register,
            id="register-form",
        ),
        rx.text(
            "Already have an account? ",
            rx.link("Sign in", href=routes.LOGIN + SessionState.next_query, id="register-login"),
            size="2",
        ),
        subtitle="Buy once, download any time from your library.",
    )
