"""Which files a buyer can view in the browser instead of downloading them.

A seller may make such files "online only" (commerce.delivery.viewing): PDFs are
read page by page as watermarked images, audio and video play in the page.
"""

from __future__ import annotations

from enum import StrEnum

PDF = "application/pdf"


class ViewKind(StrEnum):
    PDF = "pdf"
    AUDIO = "audio"
    VIDEO = "video"


def view_kind(content_type: str) -> ViewKind | None:
    """How the browser shows a file of this (sniffed) type, or None when it cannot."""
    if content_type == PDF:
        return ViewKind.PDF
    if content_type.startswith("audio/"):
        return ViewKind.AUDIO
    if content_type.startswith("video/"):
        return ViewKind.VIDEO
    return None
