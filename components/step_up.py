"""The prompt a sensitive change shows when it needs a recent second factor."""

from __future__ import annotations

import reflex as rx

from components.forms import labelled_input, stacked_form, submit_button, submit_row
from components.i18n import t


def step_up_prompt(needed: rx.Var, on_submit, *, id: str = "step-up") -> rx.Component:
    return rx.cond(
        needed,
        rx.vstack(
            rx.text(t("Confirm it is you with a code from your authenticator app or a recovery code, then try again.")),
            stacked_form(
                labelled_input(
                    t("Code"),
                    name="code",
                    id=f"{id}-code",
                    auto_complete="one-time-code",
                    hint=t("6 digits, or a recovery code."),
                ),
                submit_row(submit_button(t("Confirm"), id=f"{id}-submit")),
                on_submit=on_submit,
                id=id,
                reset_on_submit=True,
            ),
            width="100%",
            id=f"{id}-prompt",
        ),
    )
