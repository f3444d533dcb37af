"""The fixed category tree's names (seeded by migration 0001, stored in English) in the
reader's language: marked here for the storefront catalog, looked up where shown."""

from __future__ import annotations

from commerce import i18n
from commerce.i18n import N_

# Every name of the tree, so `make messages` extracts them.
NAMES = (
    N_("E-books"),
    N_("Courses"),
    N_("Software"),
    N_("Apps"),
    N_("Plugins"),
    N_("Templates"),
    N_("Design templates"),
    N_("Productivity templates"),
    N_("Music"),
    N_("Samples & loops"),
    N_("Fonts"),
    N_("Graphics"),
    N_("Icons"),
    N_("Photos"),
    N_("Video"),
)


def category_name(name: str, lang: str | None = None) -> str:
    """`name` in `lang` (the current language when none is given); a name outside the tree
    stays as it is."""
    if not name:
        return ""
    return i18n.translations(i18n.supported(lang) or i18n.current_language()).gettext(name)
