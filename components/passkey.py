"""A passkey button: @simplewebauthn/browser (a pinned npm package) wrapped for Reflex.

The few lines of glue (`PasskeyButton` below) are compiled into the app's bundle, so they
run under the Content-Security-Policy like any component (no inline or evaluated script).
On a click they fetch the ceremony's options from `options_url` (a same-origin POST, the
server makes and stores the challenge), let the browser make or use the passkey, and then
either put the answer in the hidden `field_name` input of the surrounding form and submit
it (sign-in: the HTTP response sets the HttpOnly session cookie), or hand it to
`on_credential` (adding a passkey, confirming a change: the page's state checks it).
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventHandler, passthrough_event_spec
from reflex.vars.base import Var

SIMPLEWEBAUTHN = "@simplewebauthn/browser@13.1.0"

_GLUE = """
function PasskeyButton({ id, label, mode, optionsUrl, fieldName, onCredential, onFailure }) {
  const [busy, setBusy] = useState(false);
  const run = async (event) => {
    const button = event.currentTarget;
    setBusy(true);
    try {
      const answer = await fetch(optionsUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      const body = await answer.json().catch(() => ({}));
      if (!answer.ok) throw new Error(body.error || "The passkey request was refused.");
      const credential = mode === "register"
        ? await startRegistration({ optionsJSON: body })
        : await startAuthentication({ optionsJSON: body });
      const text = JSON.stringify(credential);
      const form = fieldName ? button.closest("form") : null;
      if (form) {
        form.elements[fieldName].value = text;
        form.requestSubmit();
      } else if (onCredential) {
        onCredential(text);
      }
    } catch (error) {
      if (onFailure) onFailure(String((error && error.message) || error));
    } finally {
      setBusy(false);
    }
  };
  return createElement(
    "button",
    { id, type: "button", onClick: run, disabled: busy, className: "passkey-button", "aria-busy": busy },
    label,
  );
}
"""


class PasskeyButton(rx.Component):
    tag = "PasskeyButton"
    lib_dependencies: list[str] = [SIMPLEWEBAUTHN]

    label: Var[str]
    # "register" makes a passkey; anything else signs with one.
    mode: Var[str]
    options_url: Var[str]
    # The hidden input of the surrounding form that carries the answer (sign-in forms).
    field_name: Var[str]

    on_credential: EventHandler[passthrough_event_spec(str)]
    on_failure: EventHandler[passthrough_event_spec(str)]

    def add_imports(self) -> dict[str, Any]:
        return {
            "react": ["useState", "createElement"],
            "@simplewebauthn/browser": ["startRegistration", "startAuthentication"],
        }

    def add_custom_code(self) -> list[str]:
        return [_GLUE]


def passkey_button(label: str, *, id: str, mode: str, options_url: str, **props: Any) -> rx.Component:
    return rx.box(
        PasskeyButton.create(label=label, id=id, mode=mode, options_url=options_url, **props),
        width="100%",
        style={
            "& button": {
                "font": "inherit",
                "fontWeight": "600",
                "width": "100%",
                "padding": "0.6rem 1rem",
                "borderRadius": "8px",
                "border": "1px solid var(--accent-9)",
                "background": "var(--color-panel-solid)",
                "color": "var(--accent-11)",
                "cursor": "pointer",
            },
            "& button:disabled": {"opacity": "0.6", "cursor": "wait"},
        },
    )
