"""Time is UTC everywhere; these are the clock and the labels people read."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def day_label(moment: datetime | None) -> str:
    """A date as people read it in lists: "2 Dec 2026" ("" for none)."""
    return f"{moment:%-d %b %Y}" if moment else ""


def minute_label(moment: datetime | None) -> str:
    """A UTC time to the minute, for logs and histories: "2 Dec 2026 17:20 UTC" ("" for none)."""
    return f"{moment.astimezone(UTC):%-d %b %Y %H:%M} UTC" if moment else ""
