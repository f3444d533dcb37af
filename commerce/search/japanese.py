"""Japanese words for the embedded engine.

Japanese is written without spaces between words, so a word tokenizer that splits at
spaces and punctuation reads "写真編集のプリセット" as one word, and a buyer typing
"プリセット" would not find it. Before the embedded engine indexes or searches a text,
each run of Japanese script in it is split into words by lindera with the IPADIC
dictionary: the segmentation Meilisearch applies to Japanese itself (charabia uses
lindera and IPADIC), so both engines find the same products. Other scripts pass through
unchanged, and the words then follow the engine's usual typo and prefix rules.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import lindera

# Hiragana, katakana (with the prolonged sound mark), the iteration mark, CJK ideographs
# and half-width katakana: the scripts of Japanese words.
_JAPANESE = re.compile(r"[\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]+")


@cache
def _tokenizer() -> lindera.Tokenizer:
    # Loading the embedded dictionary takes a fifth of a second; once per process.
    return lindera.Tokenizer(lindera.load_dictionary("embedded://ipadic"), mode="normal")


def has_japanese(text: str) -> bool:
    return _JAPANESE.search(text) is not None


@lru_cache(maxsize=4096)
def _words(run: str) -> tuple[str, ...]:
    return tuple(token.surface for token in _tokenizer().tokenize(run))


def japanese_words(text: str) -> str:
    """`text` with spaces around and between the words of each Japanese run
    ("Python入門の本" -> "Python 入門 の 本")."""
    if not has_japanese(text):
        return text
    return _JAPANESE.sub(lambda match: " " + " ".join(_words(match.group())) + " ", text)


def word_spans(text: str) -> list[tuple[int, int]]:
    """Where the words of the Japanese runs in `text` begin and end, for highlighting
    the words a search matched (a word tokenizer sees each run as one long word)."""
    spans = []
    for match in _JAPANESE.finditer(text):
        position = match.start()
        for word in _words(match.group()):
            spans.append((position, position + len(word)))
            position += len(word)
    return spans


def blank_japanese(text: str) -> str:
    """`text` with its Japanese runs turned into spaces, every other character where it was."""
    return _JAPANESE.sub(lambda match: " " * len(match.group()), text)
