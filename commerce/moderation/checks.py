"""Automatic checks run before a person looks: banned words and file types.

They never decide anything; a hit flags the item, which moves it to the top of
the moderation queue with the reason shown. No outside service is involved.
"""

from __future__ import annotations

import mimetypes
import re
from collections import defaultdict
from pathlib import PurePosixPath

from sqlmodel import Session, col, select

from commerce import audit
from commerce.actor import Actor, require_admin
from commerce.errors import ValidationError
from commerce.i18n import bo_gettext
from commerce.models import BannedWord, ProductFile

MAX_BANNED_WORDS = 500
MAX_WORD_LENGTH = 60
# Programs and scripts run on the buyer's machine: a person checks them before they sell.
EXECUTABLE_TYPES = frozenset(
    {
        "application/x-msdownload",
        "application/x-dosexec",
        "application/vnd.microsoft.portable-executable",
        "application/x-executable",
        "application/x-elf",
        "application/x-mach-binary",
        "application/x-sharedlib",
        "application/x-msi",
        "application/x-ms-installer",
        "application/java-archive",
        "application/vnd.android.package-archive",
        "application/x-sh",
        "application/x-shellscript",
        "text/x-shellscript",
    }
)
EXECUTABLE_EXTENSIONS = frozenset(
    {
        ".exe",
        ".msi",
        ".bat",
        ".cmd",
        ".com",
        ".scr",
        ".ps1",
        ".vbs",
        ".js",
        ".jar",
        ".apk",
        ".sh",
        ".app",
        ".dmg",
        ".pkg",
        ".deb",
        ".rpm",
        ".dll",
        ".so",
    }
)
# Sniffed types that say nothing about the content either way.
UNSPECIFIC_TYPES = frozenset({"application/octet-stream", "text/plain", "application/zip"})


def normalise_word(word: str) -> str:
    return " ".join(word.lower().split())


def banned_words(s: Session) -> list[str]:
    return list(s.exec(select(BannedWord.word).order_by(BannedWord.word)).all())


def set_banned_words(s: Session, actor: Actor, text: str) -> list[str]:
    """Replace the list with the words or phrases in `text` (one per line or comma-separated)."""
    admin_id = require_admin(actor, "set_banned_words")
    if not isinstance(text, str):
        raise ValidationError(bo_gettext("Enter the words as text."), "words")
    words = sorted({normalise_word(part) for part in re.split(r"[,\n]", text) if normalise_word(part)})
    if len(words) > MAX_BANNED_WORDS:
        raise ValidationError(bo_gettext("The list can hold at most {count} words.", count=MAX_BANNED_WORDS), "words")
    too_long = [word for word in words if len(word) > MAX_WORD_LENGTH]
    if too_long:
        raise ValidationError(f"“{too_long[0][:30]}…” is longer than {MAX_WORD_LENGTH} characters.", "words")
    before = banned_words(s)
    if words == before:
        return words
    for row in s.exec(select(BannedWord)).all():
        s.delete(row)
    s.flush()
    for word in words:
        s.add(BannedWord(word=word))
    s.flush()
    added = sorted(set(words) - set(before))
    removed = sorted(set(before) - set(words))
    audit.record(
        s,
        admin_id,
        "set_banned_words",
        "settings",
        "banned_words",
        label="Banned words",
        reason="; ".join(
            filter(
                None,
                [
                    f"added: {', '.join(added)}" if added else "",
                    f"removed: {', '.join(removed)}" if removed else "",
                ],
            )
        ),
    )
    return words


def _pattern(word: str) -> re.Pattern[str]:
    # Whole words only: "ass" must not flag "class".
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, word.split())) + r"(?!\w)", re.IGNORECASE)


class WordChecker:
    """Matches texts against the banned-words list, compiled once per queue build."""

    def __init__(self, words: list[str]):
        self._patterns = [(word, _pattern(word)) for word in words]

    def hits(self, *texts: str) -> list[str]:
        joined = "\n".join(text or "" for text in texts)
        return [word for word, pattern in self._patterns if pattern.search(joined)]


def word_checker(s: Session) -> WordChecker:
    return WordChecker(banned_words(s))


def file_problem(filename: str, content_type: str) -> str | None:
    """Why a file needs a person's look, or None."""
    extension = PurePosixPath(filename.lower()).suffix
    if content_type in EXECUTABLE_TYPES or extension in EXECUTABLE_EXTENSIONS:
        return f"{filename} is a program or script ({content_type})."
    expected = mimetypes.guess_type(filename)[0]
    if (
        expected
        and content_type not in UNSPECIFIC_TYPES
        and expected != content_type
        and expected.split("/")[0] != content_type.split("/")[0]
    ):
        return f"{filename} is named like {expected} but its content is {content_type}."
    return None


def file_problems(s: Session, product_ids: list[int]) -> dict[int, list[str]]:
    """File-type problems per product, over every file of every version."""
    if not product_ids:
        return {}
    found: dict[int, list[str]] = defaultdict(list)
    for product_id, filename, content_type in s.exec(
        select(ProductFile.product_id, ProductFile.filename, ProductFile.content_type)
        .where(col(ProductFile.product_id).in_(product_ids))
        .order_by(col(ProductFile.id))
    ).all():
        problem = file_problem(filename, content_type)
        if problem:
            found[product_id].append(problem)
    return dict(found)
