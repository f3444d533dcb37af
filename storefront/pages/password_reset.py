"""Forgotten password: request a link by email, then choose a new password."""

from __future__ import annotations

import reflex as rx

import routes
from components import theme
from components.buttons import link_button
from components.forms import form_card, form_error, form_notice, labelled_input, stacked_form, submit_button
from components.i18n import t
from state.password_reset import PasswordResetState
from storefront.layout import shop_page

NEUTRAL_SENT_MESSAGE = t(
    "If an account exists for that address, we have sent it a link to choose a new "
    "password. The link works for one hour."
)


@shop_page(
    routes.PASSWORD_RESET,
    title=t("Reset your password"),
    description=t("Get a link by email to choose a new password for your account."),
    on_load=PasswordResetState.open_page,
)
def request_reset() -> rx.Component:
    form = stacked_form(
        labelled_input(
            t("Email"),
            name="email",
            id="reset-email",
            type="email",
            auto_complete="email",
            error=PasswordResetState.request_error,
        ),
        submit_button(t("Send me a link"), id="reset-request-submit", loading=PasswordResetState.request_pending),
        on_submit=PasswordResetState.request_link,
        id="reset-request-form",
    )
    return form_card(
        t("Reset your password"),
        rx.cond(
            PasswordResetState.request_sent,
            form_notice(NEUTRAL_SENT_MESSAGE, id="reset-request-sent"),
            form,
        ),
        rx.link(t("Back to sign in"), href=routes.LOGIN, size="2", id="reset-back-login"),
        subtitle=t("Enter the email address you signed up with."),
    )


@shop_page(
    routes.PASSWORD_RESET_WITH_TOKEN,
    title=t("Choose a new password"),
    description=t("Choose a new password for your account."),
    on_load=PasswordResetState.open_page,
)
def choose_password() -> rx.Component:
    form = stacked_form(
        form_error(PasswordResetState.reset_errors.get("form", ""), id="reset-error"),
        labelled_input(
            t("New password"),
            name="new_password",
            id="reset-password",
            type="password",
            auto_complete="new-password",
            hint=t("At least 10 characters."),
            error=PasswordResetState.reset_errors.get("password", ""),
        ),
        labelled_input(
            t("Confirm new password"),
            name="confirm_password",
            id="reset-confirm-password",
            type="password",
            auto_complete="new-password",
            error=PasswordResetState.reset_errors.get("confirm", ""),
        ),
        submit_button(t("Save new password"), id="reset-submit", loading=PasswordResetState.reset_pending),
        on_submit=PasswordResetState.choose_password,
        id="reset-form",
    )
    done = rx.vstack(
        form_notice(
            t("Your password has been changed. You have been signed out everywhere; sign in with the new password."),
            id="reset-done",
        ),
        link_button(t("Sign in"), routes.LOGIN, id="reset-login"),
        spacing=theme.GAP,
        width="100%",
    )
    return form_card(
        t("Choose a new password"),
        rx.cond(PasswordResetState.reset_done, done, form),
    )
