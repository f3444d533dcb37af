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
from components.i18n import t
from state.session import SessionState
from storefront.layout import shop_page


@shop_page(
    routes.REGISTER,
    title=t("Create an account"),
    description=t("Create a marketplace account to buy digital products and keep them in your library."),
    on_load=SessionState.open_sign_in_page,
)
def register() -> rx.Component:
    sent = form_notice(
        t(
            "We have sent an email to {email}. Open the link in it to finish signing up (it works for 24 hours). "
            "If nothing arrives, check your spam folder or sign up again.",
            email=SessionState.register_sent_to,
        ),
        id="register-sent",
    )
    form = stacked_form(
        form_error(SessionState.register_errors.get("form", ""), id="register-error"),
        labelled_input(
            t("Email"),
            name="email",
            id="register-email",
            type="email",
            auto_complete="email",
            error=SessionState.register_errors.get("email", ""),
        ),
        labelled_input(
            t("Display name"),
            name="display_name",
            id="register-display-name",
            auto_complete="name",
            hint=t("Shown on your reviews and your shop."),
            error=SessionState.register_errors.get("display_name", ""),
        ),
        labelled_input(
            t("Password"),
            name="password",
            id="register-password",
            type="password",
            auto_complete="new-password",
            hint=t("At least 10 characters."),
            error=SessionState.register_errors.get("password", ""),
        ),
        labelled_input(
            t("Confirm password"),
            name="confirm_password",
            id="register-confirm-password",
            type="password",
            auto_complete="new-password",
            error=SessionState.register_errors.get("confirm", ""),
        ),
        submit_button(t("Create account"), id="register-submit", loading=SessionState.register_pending),
        on_submit=SessionState.register,
        id="register-form",
    )
    return form_card(
        t("Create an account"),
        rx.cond(SessionState.register_sent_to != "", sent, form),
        rx.text(
            t("Already have an account?"),
            " ",
            rx.link(t("Sign in"), href=routes.LOGIN + SessionState.next_query, id="register-login"),
            size="2",
        ),
        subtitle=t("Buy once, download any time from your library."),
    )


@shop_page(
    routes.REGISTRATION_CONFIRM,
    title=t("Finish signing up"),
    description=t("Create your marketplace account from the link in your email."),
    on_load=SessionState.open_confirm_page,
)
def confirm_registration() -> rx.Component:
    return form_card(
        t("Finish signing up"),
        form_error(SessionState.confirm_error, id="confirm-error"),
        posted_form(
            rx.el.input(type="hidden", name="token", value=SessionState.signup_link_code),
            submit_button(t("Create my account"), id="confirm-submit"),
            action=routes.SESSION_WELCOME,
            id="confirm-form",
        ),
        rx.flex(
            rx.link(t("Sign up again"), href=routes.REGISTER, size="2", id="confirm-register"),
            rx.link(t("Sign in"), href=routes.LOGIN, size="2", id="confirm-login"),
            gap="1rem",
        ),
        subtitle=t("One click and your account is ready."),
    )
