"""The languages sellers translate their products into, named as their speakers name them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel import Locale

from commerce.kit.choices import parse_choice
from commerce.models import TranslationLanguage


@cache
def language_name(lang: str) -> str:
    """A language's name in that language, as a language menu lists it: "Deutsch", "日本語"."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


def translation_language(lang: object) -> TranslationLanguage | None:
    """One of the languages products are translated into, from anything a client sent; else None."""
    return parse_choice(TranslationLanguage, lang.strip().lower() if isinstance(lang, str) else lang)


@dataclass(frozen=True)
class LanguageOption:
    code: str
    name: str
    # The direction its text is written in, for the inputs a seller types it into.
    dir: str


def language_options() -> list[LanguageOption]:
    return [
        LanguageOption(str(language), language_name(language), Locale.parse(language).text_direction)
        for language in TranslationLanguage
    ]
