"""Turn plain text plus matched character spans into safe HTML."""

from __future__ import annotations

import html
from collections.abc import Iterable


def marked_html(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Escape `text` and wrap each (start, end) character span in <mark>…</mark>.

    Overlapping or touching spans are merged so tags never nest.
    """
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[str] = []
    cursor = 0
    for start, end in merged:
        parts.append(html.escape(text[cursor:start]))
        parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
        cursor = end
    parts.append(html.escape(text[cursor:]))
    return "".join(parts)


def within_edits(word: str, target: str, max_edits: int) -> bool:
    """True when `word` is at most `max_edits` insertions, deletions, substitutions or
    swaps of two neighbouring letters away from `target` (what the engines count as typos)."""
    if abs(len(word) - len(target)) > max_edits:
        return False
    if max_edits == 0:
        return word == target
    previous_row: list[int] | None = None
    row = list(range(len(target) + 1))
    for i in range(1, len(word) + 1):
        before_previous, previous_row = previous_row, row
        row = [i] + [0] * len(target)
        for j in range(1, len(target) + 1):
            cost = 0 if word[i - 1] == target[j - 1] else 1
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + cost)
            if (
                before_previous is not None
                and i > 1
                and j > 1
                and word[i - 1] == target[j - 2]
                and word[i - 2] == target[j - 1]
            ):
                row[j] = min(row[j], before_previous[j - 2] + 1)
        if min(row) > max_edits:
            return False
    return row[-1] <= max_edits
