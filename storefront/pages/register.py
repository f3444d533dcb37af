"""Create an account."""

from __future__ import annotations

import reflex as rx

import routes
from components.forms import (
    form_card,
    form_error,
    form_notice,
    labelled_input,
    posted_form,
    stacked_form,
    submit_button,
)
from state.session import SessionState
from storefront.layout import shop_page


@shop_page(
    routes.REGISTER,
    title="Create an account",
    description="Create a marketplace account to buy digital products and keep them in your library.",
    on_load=SessionState.open_sign_in_page,
)
def register() -> rx.Component:
    sent = form_notice(
        "We have sent an email to "
        + SessionState.register_sent_to
        + ". Open the link in it to finish signing up (it works for 24 hours). "
        "If nothing arrives, check your spam folder or sign up again.",
        id="register-sent",
    )
    form = stacked_form(
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
    )
    return form_card(
        "Create an account",
        rx.cond(SessionState.register_sent_to != "", sent, form),
        rx.text(
            "Already have an account? ",
            rx.link("Sign in", href=routes.LOGIN + SessionState.next_query, id="register-login"),
            size="2",
        ),
        subtitle="Buy once, download any time from your library.",
    )


@shop_page(
    routes.REGISTRATION_CONFIRM,
    title="Finish signing up",
    description="Create your marketplace account from the link in your email.",
    on_load=SessionState.open_confirm_page,
)
def confirm_registration() -> rx.Component:
    return form_card(
        "Finish signing up",
        form_error(SessionState.confirm_error, id="confirm-error"),
        posted_form(
            rx.el.input(type="hidden", name="token", value=SessionState.signup_link_code),
            submit_button("Create my account", id="confirm-submit"),
            action=routes.SESSION_WELCOME,
            id="confirm-form",
        ),
        rx.flex(
            rx.link("Sign up again", href=routes.REGISTER, size="2", id="confirm-register"),
            rx.link("Sign in", href=routes.LOGIN, size="2", id="confirm-login"),
            gap="1rem",
        ),
        subtitle="One click and your account is ready.",
    )
