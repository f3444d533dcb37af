"""Fewer JavaScript files per page: the build puts each library below in one chunk.

Rolldown splits shared code by which routes import it, so a storefront page preloaded
53 files, 40 of them Radix Themes components (every page loads all of them: Reflex's
root imports the whole library) and lucide icons of a few hundred bytes each. Each file
costs a request and its response headers (about 0.75 KB here, more than an icon), and on
a phone's connection the requests queue behind each other before the page can paint
(issue 12, page weight; bench/lighthouse). One chunk per library keeps the bytes about
the same (every icon the app uses is about 6 KB together) with two requests instead of 40.

Reflex writes vite.config.js itself on every build; `ChunkGroups` adds the groups to
the `codeSplitting.groups` Reflex already declares.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

# (chunk name, module path pattern); a module goes to the first group it matches.
GROUPS = (
    ("radix", r"[\\/]node_modules[\\/](?:@radix-ui|radix-ui)[\\/]"),
    ("icons", r"[\\/]node_modules[\\/]lucide-react[\\/]"),
)
VITE_CONFIG = "vite.config.js"
# The opening of the groups list in Reflex's vite.config.js template.
_GROUPS_OPENING = "codeSplitting: {\n          groups: ["


def with_groups(config: str) -> str:
    """vite.config.js with `GROUPS` first in its code-splitting groups."""
    if _GROUPS_OPENING not in config:
        # Reflex changed its template: fail the build rather than ship 50 files a page again.
        raise RuntimeError(f"{VITE_CONFIG} has no `{_GROUPS_OPENING}` to add chunk groups to")
    groups = "".join(f"\n            {{ name: {name!r}, test: /{pattern}/ }}," for name, pattern in GROUPS)
    return config.replace(_GROUPS_OPENING, _GROUPS_OPENING + groups, 1)


class ChunkGroups(rx.plugins.Plugin):
    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"](VITE_CONFIG, with_groups)
