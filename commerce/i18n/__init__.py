"""The six languages of the shop: which one a person reads, and the text in it.

Every sentence a person reads is marked in English where it is written and looked up
in a gettext catalog (`locales/<lang>/LC_MESSAGES/<domain>.mo`, compiled from the `.po`
files by `make messages`/`make deps`). Three catalogs (domains), so a page carries only
what it shows and two people translating edit different files:

- `storefront`: the shop, library and account (components, states, pages and the
  domain's messages to buyers): `gettext`, `ngettext`, `pgettext` here, `t()` in components.
- `backoffice`: the seller studio, analytics and admin console: `bo_gettext`,
  `bo_ngettext` here, `bt()` in components.
- `emails`: the email templates (`{% trans %}` in Jinja), rendered by notifications.

Placeholders are `{name}` (str.format) in every domain, so one check covers the lot.

The language of the work at hand is a context variable: a page's state sets it from the
tab's language before it calls a service (`state.language.speaking`), a job sets it to
the recipient's (`use_language`). English is the default everywhere.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import io
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from babel import Locale, negotiate_locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages import mofile, pofile
from babel.support import NullTranslations, Translations


class Language(StrEnum):
    """The languages the shop speaks (a person's saved choice, an order's language)."""

    EN = "en"
    DE = "de"
    FR = "fr"
    ES = "es"
    JA = "ja"
    AR = "ar"


# Code -> the language's own name, as the language menu lists it.
LANGUAGES: Mapping[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "ja": "日本語",
    "ar": "العربية",
}
DEFAULT_LANGUAGE = "en"
RIGHT_TO_LEFT = frozenset({"ar"})
# The locale Babel formats numbers, prices and dates with for each language.
_FORMAT_LOCALES: Mapping[str, str] = {
    "en": "en_US",
    "de": "de_DE",
    "fr": "fr_FR",
    "es": "es_ES",
    "ja": "ja_JP",
    "ar": "ar",
}

STOREFRONT = "storefront"
BACKOFFICE = "backoffice"
EMAILS = "emails"
DOMAINS = (STOREFRONT, BACKOFFICE, EMAILS)

LOCALES_DIR = Path(__file__).resolve().parent.parent.parent / "locales"

_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT_LANGUAGE)


def supported(code: str | None) -> str | None:
    """The language code for `code` ("de", "de-AT", "de_DE" -> "de"), or None when the shop lacks it."""
    if not code or not isinstance(code, str):
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for a browser's Accept-Language header (English when none fits)."""
    preferred: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            preferred.append((-quality, position, tag.replace("-", "_")))
    found = negotiate_locale([tag for _, _, tag in sorted(preferred)], list(LANGUAGES), sep="_")
    return supported(found) or DEFAULT_LANGUAGE


def choose(*candidates: str | None) -> str:
    """The first supported language among a person's saved choice, a cookie, a query…"""
    for candidate in candidates:
        if found := supported(candidate):
            return found
    return DEFAULT_LANGUAGE


def direction(language: str) -> str:
    """ "rtl" for Arabic, "ltr" otherwise (the `dir` of the page)."""
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def format_locale(language: str | None = None) -> Locale:
    """The Babel locale numbers, prices and dates are formatted with."""
    return Locale.parse(_FORMAT_LOCALES[language or current_language()])


# --- the language of the work at hand -------------------------------------------------


def current_language() -> str:
    return _language.get()


def set_language(language: str | None) -> None:
    """Make `language` the current one for the rest of this task (or thread)."""
    _language.set(choose(language))


@contextlib.contextmanager
def use_language(language: str | None) -> Iterator[str]:
    """Speak `language` inside the block (an email to its recipient, a job for a buyer)."""
    token = _language.set(choose(language))
    try:
        yield _language.get()
    finally:
        _language.reset(token)


# --- catalogs ---------------------------------------------------------------------------


@functools.cache
def translations(language: str, domain: str = STOREFRONT) -> NullTranslations:
    """The compiled catalog of one language and domain (no-op for English or a missing file)."""
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return NullTranslations()
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{domain}.po", folder / f"{domain}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as built:
            return Translations(built, domain=domain)
    if not po.exists():
        return NullTranslations()
    # A checkout that has not run `make deps` since the .po changed (a test run straight
    # from pytest): compile in memory, as `pybabel compile` would (fuzzy entries left out).
    with po.open("rb") as source:
        catalog = pofile.read_po(source, locale=language, domain=domain)
    compiled = io.BytesIO()
    mofile.write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


def client_messages(language: str, domain: str = STOREFRONT) -> dict[str, str]:
    """English -> translation for the browser's `t()`: one language, one domain, no plurals.

    Plurals are formatted on the server (`ngettext`), where the language's plural rule lives.
    """
    catalog = getattr(translations(language, domain), "_catalog", {})
    return {
        key: value
        for key, value in catalog.items()
        if isinstance(key, str) and key and value and isinstance(value, str)
    }


def _format(text: str, values: Mapping[str, object]) -> str:
    return text.format(**values) if values else text


def gettext(message: str, **values: object) -> str:
    """`message` in the current language, its `{placeholders}` filled from `values`."""
    if not message:
        return ""  # gettext("") is the catalog's header
    return _format(translations(current_language(), STOREFRONT).gettext(message), values)


def ngettext(singular: str, plural: str, count: int, **values: object) -> str:
    """The plural form the current language wants for `count` (available as `{count}`)."""
    text = translations(current_language(), STOREFRONT).ngettext(singular, plural, count)
    return _format(text, {"count": format_number(count), **values})


def pgettext(context: str, message: str, **values: object) -> str:
    """`message` in the current language where the same English means different things."""
    return _format(str(translations(current_language(), STOREFRONT).pgettext(context, message)), values)


def bo_gettext(message: str, **values: object) -> str:
    """`gettext` for the seller studio, analytics and the admin console (backoffice catalog)."""
    return _format(translations(current_language(), BACKOFFICE).gettext(message), values)


def bo_ngettext(singular: str, plural: str, count: int, **values: object) -> str:
    text = translations(current_language(), BACKOFFICE).ngettext(singular, plural, count)
    return _format(text, {"count": format_number(count), **values})


def translate_marked(message: str) -> str:
    """A string marked with N_ or bo_N_ elsewhere (a constant, a notice), in the current language."""
    if not message:
        return ""
    language = current_language()
    for domain in (STOREFRONT, BACKOFFICE):
        translated = translations(language, domain).gettext(message)
        if translated != message:
            return translated
    return message


def bo_N_(message: str) -> str:  # noqa: N802
    """`N_` for the backoffice catalog."""
    return message


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional name)
    """Marks `message` for the catalog where it is defined (a module constant) without
    translating it: the code that shows it calls `gettext(message)` at that moment."""
    return message


# --- formatting --------------------------------------------------------------------------


def format_number(number: int | float | Decimal, language: str | None = None) -> str:
    """1234567 -> "1,234,567" in English, "1.234.567" in German, "1 234 567" in French."""
    return babel_numbers.format_decimal(number, locale=format_locale(language))


def format_date(moment: date | datetime | None, language: str | None = None, *, style: str = "medium") -> str:
    """A day as people read it: "Dec 2, 2026", "02.12.2026", "2026/12/02" ("" for none)."""
    if moment is None:
        return ""
    return babel_dates.format_date(moment, format=style, locale=format_locale(language))


def format_datetime(moment: datetime | None, language: str | None = None, *, style: str = "medium") -> str:
    """A UTC moment to the minute in the language's own order, with its zone ("" for none)."""
    if moment is None:
        return ""
    return babel_dates.format_datetime(moment.astimezone(UTC), format=style, tzinfo=UTC, locale=format_locale(language))


def format_relative(moment: datetime, now: datetime, language: str | None = None) -> str:
    """How long ago (or ahead) `moment` is: "3 days ago", "vor 3 Tagen", "3日前"."""
    return babel_dates.format_timedelta(moment - now, add_direction=True, threshold=1.0, locale=format_locale(language))
