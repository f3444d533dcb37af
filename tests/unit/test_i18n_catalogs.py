"""The translation catalogs are complete: every string the code marks is in each language's
catalog, translated (no empty or fuzzy entry), with the same placeholders as the English.

The marked strings are extracted here from the sources, as `make messages` does, so a
string marked without running `make messages` (or left untranslated) fails the suite.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from commerce import i18n

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT_LANGUAGE]
# The keywords of each catalog, as the Makefile's `messages` target passes them to pybabel.
KEYWORDS = {
    i18n.STOREFRONT: (
        "ui.cfg",
        {"t": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None},
    ),
    i18n.BACKOFFICE: ("ui.cfg", {"bt": None, "bo_gettext": None, "bo_ngettext": (1, 2), "bo_N_": None}),
    i18n.EMAILS: ("emails.cfg", {"_": None, "gettext": None, "ngettext": (1, 2), "E_": None}),
}
# {name} (str.format, the UI and the email subjects) and %(name)s (Jinja's trans blocks).
PLACEHOLDER = re.compile(r"\{(\w+)\}|%\((\w+)\)s")


def placeholders(text: str) -> set[str]:
    return {brace or percent for brace, percent in PLACEHOLDER.findall(text)}


def source_folder(path: str) -> bool:
    """Walk the sources only (not the virtualenv, the tools or the built frontend)."""
    relative = Path(path).resolve().relative_to(ROOT).parts if Path(path).resolve().is_relative_to(ROOT) else ("",)
    return relative[0] in SOURCE_FOLDERS


SOURCE_FOLDERS = {"commerce", "components", "state", "storefront", "routes"}


@cache
def marked(domain: str) -> dict[str, tuple]:
    """msgid -> (msgid, plural or None, context) of every string the sources mark for `domain`."""
    cfg, keywords = KEYWORDS[domain]
    with (LOCALES / cfg).open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    found = {}
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords, directory_filter=source_folder
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        plural = message[1] if isinstance(message, tuple) else None
        if msgid:
            found[(context, msgid)] = (msgid, plural, context)
    return found


@cache
def catalog(domain: str, language: str):
    with (LOCALES / language / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        return read_po(po, locale=language, domain=domain)


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_every_marked_string_is_translated(domain, language):
    po = catalog(domain, language)
    problems = []
    for (context, msgid), (_, plural, _) in sorted(marked(domain).items(), key=lambda item: item[0][1]):
        entry = po.get(msgid if plural is None else msgid, context=context)
        if entry is None:
            problems.append(f"missing: {msgid!r} (run `make messages`, then translate it)")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings):
            problems.append(f"untranslated: {msgid!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy (check it, then remove the flag): {msgid!r}")
        else:
            english = placeholders(msgid) | (placeholders(plural) if plural else set())
            for text in strings:
                # A plural form may leave the count out ("one item" in a language that says so).
                if placeholders(text) - english or (english - {"count"}) - placeholders(text):
                    problems.append(f"placeholders differ: {msgid!r} -> {text!r}")
    assert not problems, f"{language}/{domain}.po:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_plural_forms_follow_the_language(language):
    """Arabic has six plural forms, Japanese one: the catalog header says so, and ngettext uses it."""
    expected = {"ar": 6, "ja": 1}.get(language, 2)
    for domain in i18n.DOMAINS:
        assert catalog(domain, language).num_plurals == expected, f"{language}/{domain}.po"


def test_components_find_the_catalog_state():
    from components.i18n import CATALOG_STATE
    from state.language import LanguageState

    assert LanguageState.get_full_name() == CATALOG_STATE
