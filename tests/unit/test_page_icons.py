"""No page names an icon with a var: that makes Reflex ship lucide's whole icon map (~1,750
icons, 300 KB) with the page's route (issue 12, page weight)."""

from __future__ import annotations

import reflex as rx
from reflex_components_lucide.icon import DynamicIcon

from storefront.storefront import app


def _components(component: rx.Component, seen: set[int]):
    if id(component) in seen:
        return
    seen.add(id(component))
    yield component
    for child in component.children:
        yield from _components(child, seen)
    # rx.match keeps its cases outside `children`.
    for value in vars(component).values():
        for item in value if isinstance(value, list | tuple) else (value,):
            if isinstance(item, tuple) and item:
                item = item[-1]
            if isinstance(item, rx.Component):
                yield from _components(item, seen)


def test_every_page_names_its_icons():
    dynamic = {}
    for route, page in app._unevaluated_pages.items():
        component = page.component() if callable(page.component) else page.component
        found = [c for c in _components(component, set()) if isinstance(c, DynamicIcon)]
        if found:
            dynamic[route] = len(found)
    assert dynamic == {}
