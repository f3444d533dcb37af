"""Sign in."""

from __future__ import annotations

import reflex as rx

import routes
from components.forms import form_card, form_error, labelled_input, posted_form, submit_button
from components.i18n import t
from components.passkey import passkey_button
from state.session import SessionState
from storefront.layout import shop_page


def _passkey_form(purpose: str, label: str, *, id: str) -> rx.Component:
    """The passkey button puts the browser's answer in this form and submits it to the HTTP route."""
    return posted_form(
        form_error(SessionState.passkey_error, id=f"{id}-error"),
        rx.el.input(type="hidden", name="credential", value=""),
        rx.el.input(type="hidden", name="purpose", value=purpose),
        rx.el.input(type="hidden", name="next", value=SessionState.next_path),
        passkey_button(
            label,
            id=id,
            mode="authenticate",
            options_url=f"{routes.SESSION_PASSKEY_OPTIONS}?purpose={purpose}",
            field_name="credential",
            on_failure=SessionState.passkey_failed,
        ),
        action=routes.SESSION_PASSKEY,
        id=f"{id}-form",
    )


@shop_page(
    routes.LOGIN,
    title=t("Sign in"),
    description=t("Sign in to your marketplace account to reach your library and your shop."),
    on_load=SessionState.open_sign_in_page,
)
def login() -> rx.Component:
    return form_card(
        t("Sign in"),
        posted_form(
            form_error(SessionState.login_error, id="login-error"),
            labelled_input(t("Email"), name="email", id="login-email", type="email", auto_complete="email"),
            labelled_input(
                t("Password"), name="password", id="login-password", type="password", auto_complete="current-password"
            ),
            rx.el.input(type="hidden", name="next", value=SessionState.next_path),
            submit_button(t("Sign in"), id="login-submit"),
            action=routes.SESSION_LOGIN,
            id="login-form",
        ),
        _passkey_form("sign_in", t("Sign in with a passkey"), id="login-passkey"),
        rx.flex(
            rx.link(t("Forgot your password?"), href=routes.PASSWORD_RESET, id="login-forgot", size="2"),
            rx.text(
                t("New here?"),
                " ",
                rx.link(t("Create an account"), href=routes.REGISTER + SessionState.next_query, id="login-register"),
                size="2",
            ),
            direction="column",
            gap="0.5rem",
        ),
        subtitle=t("Welcome back."),
    )


@shop_page(
    routes.LOGIN_SECOND_FACTOR,
    title=t("Two-factor sign-in"),
    description=t("Confirm your sign-in with your authenticator app or a recovery code."),
    on_load=SessionState.open_second_factor_page,
)
def second_factor() -> rx.Component:
    return form_card(
        t("Confirm it is you"),
        posted_form(
            form_error(SessionState.second_factor_error, id="second-factor-error"),
            labelled_input(
                t("Code"),
                name="code",
                id="second-factor-code",
                auto_complete="one-time-code",
                input_mode="text",
                hint=t("The 6-digit code from your authenticator app, or one of your recovery codes."),
            ),
            rx.el.input(type="hidden", name="next", value=SessionState.next_path),
            submit_button(t("Continue"), id="second-factor-submit"),
            action=routes.SESSION_SECOND_FACTOR,
            id="second-factor-form",
        ),
        _passkey_form("second_factor", t("Use a passkey instead"), id="second-factor-passkey"),
        rx.link(t("Start again"), href=routes.LOGIN, id="second-factor-restart", size="2"),
        subtitle=t("Your password was right. This account also asks for a second factor."),
    )
