"""Sign in."""

from __future__ import annotations

import reflex as rx

import routes
from components.forms import form_card, form_error, labelled_input, posted_form, submit_button
from state.session import SessionState
from storefront.layout import shop_page


@shop_page(
    routes.LOGIN,
    title="Sign in",
    description="Sign in to your marketplace account to reach your library and your shop.",
    on_load=SessionState.open_sign_in_page,
)
def login() -> rx.Component:
    return form_card(
        "Sign in",
        posted_form(
            form_error(SessionState.login_error, id="login-error"),
            labelled_input("Email", name="email", id="login-email", type="email", auto_complete="email"),
            labelled_input(
                "Password", name="password", id="login-password", type="password", auto_complete="current-password"
            ),
            rx.el.input(type="hidden", name="next", value=SessionState.next_path),
            submit_button("Sign in", id="login-submit"),
            action=routes.SESSION_LOGIN,
            id="login-form",
        ),
        rx.flex(
            rx.link("Forgot your password?", href=routes.PASSWORD_RESET, id="login-forgot", size="2"),
            rx.text(
                "New here? ",
                rx.link("Create an account", href=routes.REGISTER + SessionState.next_query, id="login-register"),
                size="2",
            ),
            direction="column",
            gap="0.5rem",
        ),
        subtitle="Welcome back.",
    )
