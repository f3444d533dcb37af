"""Turn plain text plus matched character spans into safe HTML."""

from __future__ import annotations

import html
from collections.abc import Iterable

from rapidfuzz.distance import OSA


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
    swaps of two neighbouring letters away from `target` (what the engines count as typos:
    the optimal string alignment distance)."""
    return OSA.distance(word, target, score_cutoff=max_edits) <= max_edits
