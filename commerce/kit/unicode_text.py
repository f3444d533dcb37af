"""Checks on text people type that is shown to others: names, titles, summaries, reviews.

Direction overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder what follows
them, so "Invoice\u202egpj.exe" reads as "Invoiceexe.jpg"; a name made only of
zero-width, combining or formatting characters looks empty. Joiners inside emoji
sequences and the left-to-right / right-to-left marks stay allowed.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_VISIBLE_CATEGORIES = ("L", "N", "P", "S")


def has_bidi_controls(text: str) -> bool:
    return any(char in BIDI_CONTROLS for char in text)


def has_visible_character(text: str) -> bool:
    """Whether the text shows anything: a letter, digit, punctuation mark or symbol."""
    return any(unicodedata.category(char)[0] in _VISIBLE_CATEGORIES for char in text)


def shown_text_problem(text: str) -> str | None:
    """Why this text cannot be shown to others as typed, or None when it can."""
    if has_bidi_controls(text):
        return "contains characters that reverse the direction of the text"
    if text and not has_visible_character(text):
        return "has no visible characters"
    return None
