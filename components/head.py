"""The hand-over from the head the server wrote to the head the page keeps.

For shop pages the server writes the page's title, meta tags, canonical link, language
alternates and JSON-LD into the document (storefront.page_head), for crawlers and link
previews that run no script, each marked `data-served`. The tags the page renders again from
its state (`UNTIL_DRAWN`: its title, description, canonical link and some Open Graph tags)
are the page's once it has drawn them: React either adopts a served tag as its own (same
kind, same value) or adds its own beside it, and a served tag with such a twin goes (a
document has one title and one canonical link). The others (`UNTIL_LEFT`: the language alternates,
the JSON-LD, the rest of the preview tags) stay for crawlers that run the page, and go once
the visitor moves to another page inside the app: they describe the address the document was
served for, and a stale canonical link is what a phone's share sheet would send.

A hook compiled into the page, not a script from the server: the CSP forbids evaluating
code the server sends (Reflex's call_script).
"""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import VarData

SERVED = "data-served"
UNTIL_DRAWN = "until-drawn"
UNTIL_LEFT = "until-left"

# A served tag goes once the page has drawn a twin of its own (then or later, as its data
# comes), never one React took over (it then has no twin); the document-only ones go once a
# push or replace has left the served address ("POP" is the first load, or back to it).
_HOOK = """useEffect(() => {
  const head = document.head;
  const named = (tag) => tag.getAttribute("name") || tag.getAttribute("property") || tag.getAttribute("rel");
  const kind = (tag) => `${tag.tagName} ${named(tag)}`;
  const dropTwins = () => {
    const own = [...head.querySelectorAll("title, meta, link")].filter((tag) => !tag.hasAttribute("SERVED"));
    const drawn = new Set(own.map(kind));
    head.querySelectorAll('[SERVED="UNTIL_DRAWN"]').forEach((tag) => drawn.has(kind(tag)) && tag.remove());
  };
  if (servedHeadNavigation !== "POP") head.querySelectorAll('[SERVED="UNTIL_LEFT"]').forEach((tag) => tag.remove());
  dropTwins();
  const watch = new MutationObserver(dropTwins);
  watch.observe(head, { childList: true });
  return () => watch.disconnect();
}, [servedHeadNavigation])"""


class _ServedHeadHandover(rx.Fragment):
    def add_hooks(self) -> list[str | rx.Var]:
        hook = _HOOK.replace("UNTIL_DRAWN", UNTIL_DRAWN).replace("UNTIL_LEFT", UNTIL_LEFT).replace("SERVED", SERVED)
        return [
            rx.Var(
                _js_expr="const servedHeadNavigation = useNavigationType()",
                _var_data=VarData(imports={"react-router": [rx.ImportVar(tag="useNavigationType")]}),
            ),
            rx.Var(_js_expr=hook, _var_data=VarData(imports={"react": [rx.ImportVar(tag="useEffect")]})),
        ]


def served_head_handover() -> rx.Component:
    return _ServedHeadHandover.create()
