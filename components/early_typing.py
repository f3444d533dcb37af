"""Typing done before the scripts ran reaches the page's state.

The server sends a drawn document, so a visitor can click the search box and type before
React has hydrated it. Hydration keeps what the field shows, but React fired no change
event for it and starts tracking the typed text as the field's current value: the state
never hears of it, and the search box would show "ebok" with no results until the
visitor typed again. Once the page has hydrated, a field whose value differs from the one
the page rendered (`defaultValue`, which hydration sets to the rendered value) is
replayed as one input event, as if typed then.

React only fires onChange when the value differs from the one it tracks, and its tracker
watches the element's own `value` property: resetting through that property and setting
the typed text back through the prototype's setter leaves the tracker behind, so the input
event counts as a change (the way testing libraries type into React fields).

A hook compiled into the page, not a script from the server: the CSP forbids evaluating
code the server sends.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import VarData

# Fields with text a visitor types; checkboxes, radios and buttons hold no typing.
_TYPED_FIELDS = (
    "input:not([type=checkbox]):not([type=radio]):not([type=hidden]):not([type=file])"
    ":not([type=submit]):not([type=button]):not([type=reset]), textarea"
)

_HOOK = """useEffect(() => {
  document.querySelectorAll("TYPED_FIELDS").forEach((field) => {
    const typed = field.value;
    if (typed === field.defaultValue) return;
    const prototype = field instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    field.value = field.defaultValue;
    Object.getOwnPropertyDescriptor(prototype, "value").set.call(field, typed);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });
}, [])"""


class _EarlyTypingReplay(rx.Fragment):
    def add_hooks(self) -> list[str | rx.Var]:
        return [
            rx.Var(
                _js_expr=_HOOK.replace("TYPED_FIELDS", _TYPED_FIELDS),
                _var_data=VarData(imports={"react": [rx.ImportVar(tag="useEffect")]}),
            )
        ]


def early_typing_replay() -> rx.Component:
    return _EarlyTypingReplay.create()
