"""The hand-over from the head the server wrote to the head the page keeps.

For shop pages the server writes the page's title, meta tags, canonical link and JSON-LD
into the document (storefront.page_head), each marked `data-served`; the page then renders
its own title and meta tags from its state. Once the page is on screen its title takes over
from the served one (a document has one title). Once the visitor moves to another page
inside the app every served tag goes: they describe the address the document was served
for, and a stale canonical link is what a phone's share sheet would send.

A hook compiled into the page, not a script from the server: the CSP forbids evaluating
code the server sends (Reflex's call_script).
"""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import VarData

SERVED = "data-served"

_HOOK = (
    "useEffect(() => {{ document.head.querySelectorAll({selector}).forEach((tag) => tag.remove()); }}, "
    "[servedHeadNavigation])"
)


class _ServedHeadHandover(rx.Fragment):
    def add_hooks(self) -> list[str | rx.Var]:
        # Still on the address served ("POP": the first load, or back to it): only the title goes.
        selector = f'servedHeadNavigation === "POP" ? "title[{SERVED}]" : "[{SERVED}]"'
        return [
            rx.Var(
                _js_expr="const servedHeadNavigation = useNavigationType()",
                _var_data=VarData(imports={"react-router": [rx.ImportVar(tag="useNavigationType")]}),
            ),
            rx.Var(
                _js_expr=_HOOK.format(selector=selector),
                _var_data=VarData(imports={"react": [rx.ImportVar(tag="useEffect")]}),
            ),
        ]


def served_head_handover() -> rx.Component:
    return _ServedHeadHandover.create()
