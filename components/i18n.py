"""Translated text in components, and the language menu.

    rx.button(t("Add to cart"))
    rx.text(t("{count} left in stock", count=ProductState.stock))   # a Var or a value
    rx.input(placeholder=t("Search products"), aria_label=t("Search products"))
    bt("Publish")                                                     # studio and admin pages

Component text is compiled into the page's JavaScript once, in English; `t()` turns it
into a lookup in the tab's catalog (`LanguageState.messages`, sent by the server for the
current language only), falling back to the English itself. The English is the msgid
`make messages` extracts. Placeholders are `{name}`, filled in the browser; a sentence
whose form depends on a number (plurals) is made on the server with `i18n.ngettext`.

Components take vars, never states: the catalog var is found by the state's name
(`CATALOG_STATE`), which tests/unit/test_i18n_catalogs.py checks against state/language.py.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

import reflex as rx
from reflex.vars.base import VarData

from commerce import i18n

TextLike = str | rx.Var
# state.language.LanguageState's full name (checked by a test): the catalog's home.
CATALOG_STATE = "reflex___state____state.state___language____language_state"


@functools.cache
def _state_var(field: str) -> rx.Var:
    state = rx.State.get_class_substate(tuple(CATALOG_STATE.split(".")[1:]))
    return getattr(state, field)


def _lookup(catalog: str, english: str, values: dict[str, object]) -> rx.Var:
    messages = _state_var(catalog)
    expression = f"({messages}?.[{json.dumps(english)}] ?? {json.dumps(english)})"
    data = [messages._get_all_var_data()]
    for name, value in values.items():
        var = rx.Var.create(value)
        expression += f".replaceAll({json.dumps('{' + name + '}')}, String({var}))"
        data.append(var._get_all_var_data())
    return rx.Var(_js_expr=expression, _var_type=str, _var_data=VarData.merge(*data)).to(str)


def t(english: str, **values: object) -> rx.Var:
    """`english` in the tab's language (storefront catalog), `{placeholders}` filled from `values`."""
    return _lookup("messages", english, values)


def bt(english: str, **values: object) -> rx.Var:
    """`t()` for the seller studio, analytics and admin console (backoffice catalog)."""
    return _lookup("backoffice", english, values)


def language() -> rx.Var:
    """The tab's language code ("en", "de", …)."""
    return _state_var("lang")


def direction() -> rx.Var:
    """ "rtl" in Arabic, "ltr" otherwise."""
    return _state_var("dir")


class _DocumentLanguage(rx.Fragment):
    """Keeps `<html lang dir>` in step with the tab's language (screen readers, fonts, RTL layout).

    A hook compiled into the page, not a script from the server: the CSP forbids evaluating
    code the server sends (Reflex's call_script)."""

    def add_hooks(self) -> list[str | rx.Var]:
        lang, dir_ = language(), direction()
        return [
            rx.Var(
                _js_expr=(
                    f"useEffect(() => {{ document.documentElement.lang = {lang}; "
                    f"document.documentElement.dir = {dir_}; }}, [{lang}, {dir_}])"
                ),
                _var_data=VarData.merge(
                    lang._get_all_var_data(),
                    dir_._get_all_var_data(),
                    VarData(imports={"react": [rx.ImportVar(tag="useEffect")]}),
                ),
            )
        ]


def document_language() -> rx.Component:
    return _DocumentLanguage.create()


def language_menu(on_choose: Callable[[str], object], *, id: str) -> rx.Component:
    """The header's and footer's menu: each language in its own name; choosing one applies it at once."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("languages", size=16),
                # The code only from tablets up: a phone's header has no room to spare.
                rx.text(
                    language().upper(), size="1", weight="medium", display=rx.breakpoints(initial="none", sm="block")
                ),
                variant="ghost",
                size="2",
                # The name includes the code shown beside the icon (WCAG 2.5.3, label in name).
                aria_label=t("Language: {code}", code=language().upper()),
                id=id,
            )
        ),
        rx.menu.content(
            *[
                rx.menu.item(
                    rx.text(name, custom_attrs={"lang": code}),
                    on_select=on_choose(code),
                    custom_attrs={"data-lang": code},
                )
                for code, name in i18n.LANGUAGES.items()
            ]
        ),
    )
