"""Word forms the search engines index next to a product's own words.

Neither engine stems English (Meilisearch has no stemmer, and the query side of
an embedded stemmer would have no counterpart there), so both index the other
number of every word of a product's title, summary, tags and category names:
"Minimal Resume Template" is also found as "templates", a product in
"Productivity templates" also as "template". The query is left as typed, so a
form obeys the same typo and prefix rules as the word it comes from
("tempalte" reaches "template", "ebok" reaches "ebook" from "E-books").

English number rules, with the common irregular nouns. A rule that misfires
("news" -> "new") only adds a word a product is also found by; it never hides one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
MIN_FORM_WORD = 3  # "ux", "ai" and "3d" keep only their own spelling

_IRREGULAR_PLURALS = {
    "child": "children",
    "person": "people",
    "man": "men",
    "woman": "women",
    "mouse": "mice",
    "foot": "feet",
    "tooth": "teeth",
    "goose": "geese",
    "leaf": "leaves",
    "life": "lives",
    "knife": "knives",
    "wife": "wives",
    "half": "halves",
    "shelf": "shelves",
    "wolf": "wolves",
    "thief": "thieves",
    "datum": "data",
    "medium": "media",
    "index": "indices",
    "matrix": "matrices",
    "analysis": "analyses",
    "thesis": "theses",
    "crisis": "crises",
}
_IRREGULAR_SINGULARS = {plural: singular for singular, plural in _IRREGULAR_PLURALS.items()}
# Words whose final "s" is not a plural ending.
_NOT_PLURAL_ENDINGS = ("ss", "us", "is", "ics")
_SIBILANT_ENDINGS = ("s", "x", "z", "ch", "sh")
_VOWELS = set("aeiou")
# Words with no number worth indexing.
_STOP_WORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "your",
        "you",
        "our",
        "this",
        "that",
        "into",
        "over",
        "all",
        "any",
        "are",
        "was",
        "not",
        "but",
        "its",
        "who",
        "how",
        "what",
        "when",
        "one",
        "two",
    ]
)


def singulars(word: str) -> tuple[str, ...]:
    """The singulars `word` may be the plural of (none when it does not look plural).

    "templates" -> ("template",), "categories" -> ("category",), "boxes" ->
    ("boxe", "box"): where the rules cannot tell "-es" from "-e" + "s" both are given.
    """
    if word in _IRREGULAR_SINGULARS:
        return (_IRREGULAR_SINGULARS[word],)
    if len(word) <= MIN_FORM_WORD or not word.endswith("s") or word.endswith(_NOT_PLURAL_ENDINGS):
        return ()
    if word.endswith("ies") and len(word) > 4:
        return (word[:-3] + "y",)
    if word.endswith(("ses", "xes", "zes", "ches", "shes")):
        return (word[:-1], word[:-2])
    return (word[:-1],)


def plural(word: str) -> str:
    """The plural of a singular noun: "font" -> "fonts", "box" -> "boxes", "story" -> "stories"."""
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    if word.endswith("y") and len(word) > 2 and word[-2] not in _VOWELS:
        return word[:-1] + "ies"
    if word.endswith(_SIBILANT_ENDINGS):
        return word + "es"
    return word + "s"


@lru_cache(maxsize=65_536)
def word_forms(word: str) -> tuple[str, ...]:
    """The other number of a lowercase word: its singular(s) if it looks plural,
    else its plural; a hyphenated word gives the forms of its joined spelling."""
    joined = word.replace("-", "")
    if len(joined) < MIN_FORM_WORD or not joined.isalpha() or joined in _STOP_WORDS:
        return ()
    found = singulars(joined)
    if not found:
        if joined.endswith(_NOT_PLURAL_ENDINGS[1:]):  # "basics", "focus": no plural of their own
            return ()
        found = (plural(joined),)
    return tuple(form for form in found if form != joined and len(form) >= MIN_FORM_WORD)


def forms_text(texts: Iterable[str]) -> str:
    """The forms of every word in `texts`, once each, space-separated, for indexing."""
    seen: dict[str, None] = {}
    for text in texts:
        for match in _WORD.finditer(text.lower()):
            for form in word_forms(match.group()):
                seen.setdefault(form, None)
    return " ".join(seen)
