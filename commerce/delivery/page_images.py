"""PDF pages as watermarked images for the online reader (pypdfium2 and Pillow).

A page is rendered about 1,400 px wide, the buyer's licence line ("Licensed to
<email> · Order <ref>", the wording of the visible PDF stamp) is drawn across it
diagonally and along its foot, and it is encoded as WebP. Finished images are kept
in a byte-bounded in-memory cache per purchase and page, and local copies of the
originals in a small cache on disk, so turning back a page costs nothing.

PDFium is not thread-safe (pypdfium2's documentation: no two calls at once, even on
different documents), so every call into it holds one process-wide lock; callers run
this in a worker thread, never on the event loop.
"""

from __future__ import annotations

import io
import math
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from commerce.errors import NotFound, ValidationError
from commerce.i18n import gettext

TARGET_WIDTH = 1400  # pixels; phones scale it down, desktops show it near life size
MAX_SCALE = 4.0  # a tiny page is not blown up past this (pixels per point)
WEBP_QUALITY = 80
PAGE_CACHE_BYTES = 64 * 1024 * 1024
ORIGINALS_KEPT = 4

_PDFIUM = threading.Lock()


def _open(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError:
        raise ValidationError(gettext("This PDF cannot be read, so it cannot be shown online."), "file") from None


def page_count(path: Path) -> int:
    with _PDFIUM:
        document = _open(path)
        try:
            return len(document)
        finally:
            document.close()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _watermark(image: Image.Image, text: str) -> Image.Image:
    """The licence line across the page (faint, diagonal, repeated) and at its foot (legible)."""
    base = image.convert("RGBA")
    width, height = base.size
    size = max(14, width // 45)
    font = _font(size)
    # The diagonal lines: drawn level on a square that covers the page at any angle, turned, cut to size.
    side = int(math.hypot(width, height)) + size
    tile = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(tile)
    span = round(draw.textlength(text, font=font)) + size * 3
    for row, y in enumerate(range(0, side, size * 6)):
        for x in range(-(row % 2) * span // 2, side, span):
            draw.text((x, y), text, font=font, fill=(90, 90, 90, 46))
    turned = tile.rotate(35)
    left, top = (side - width) // 2, (side - height) // 2
    overlay = turned.crop((left, top, left + width, top + height))
    footer = ImageDraw.Draw(overlay)
    footer_font = _font(max(12, width // 70))
    box = footer.textbbox((0, 0), text, font=footer_font)
    text_width, text_height = round(box[2] - box[0]), round(box[3] - box[1])
    x = max(4, (width - text_width) // 2)
    y = height - text_height - max(8, height // 100)
    footer.rectangle((x - 6, y - 4, x + text_width + 6, y + text_height + 6), fill=(255, 255, 255, 200))
    footer.text((x, y - box[1]), text, font=footer_font, fill=(60, 60, 60, 255))
    return Image.alpha_composite(base, overlay).convert("RGB")


def render_page(path: Path, page: int, watermark: str) -> bytes:
    """Page `page` (from 1) of the PDF at `path` as a watermarked WebP."""
    with _PDFIUM:
        document = _open(path)
        try:
            if not 1 <= page <= len(document):
                raise NotFound(gettext("This page does not exist."))
            pdf_page = document[page - 1]
            try:
                points_wide = float(pdf_page.get_width() or 612)
                scale = min(MAX_SCALE, TARGET_WIDTH / points_wide)
                image = pdf_page.render(scale=scale, may_draw_forms=True).to_pil()
            finally:
                pdf_page.close()
        finally:
            document.close()
    out = io.BytesIO()
    _watermark(image, watermark).save(out, format="WEBP", quality=WEBP_QUALITY)
    return out.getvalue()


class PageCache:
    """Rendered pages by (fulfilment, file, page, original's sha256), least recently used
    dropped first once the images together pass `max_bytes`."""

    def __init__(self, max_bytes: int = PAGE_CACHE_BYTES) -> None:
        self._max = max_bytes
        self._items: OrderedDict[tuple[int, int, int, str], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[int, int, int, str]) -> bytes | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[int, int, int, str], image: bytes) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = image
            self._size += len(image)
            while self._size > self._max and self._items:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)


class OriginalCopies:
    """Local copies of a few originals (by content hash), so a 300-page PDF read page by
    page is fetched from storage once, not per page. The oldest goes when a new one comes."""

    def __init__(self, kept: int = ORIGINALS_KEPT) -> None:
        self._kept = kept
        self._folder = Path(tempfile.mkdtemp(prefix="reader-originals-"))
        self._paths: OrderedDict[str, Path] = OrderedDict()
        self._lock = threading.Lock()

    def path(self, sha256: str, opener: Callable[[], BinaryIO]) -> Path:
        with self._lock:
            found = self._paths.get(sha256)
            if found is not None and found.exists():
                self._paths.move_to_end(sha256)
                return found
            target = self._folder / sha256
            partial = target.with_suffix(".part")
            with opener() as source, partial.open("wb") as writer:
                shutil.copyfileobj(source, writer, 1024 * 1024)
            partial.replace(target)
            self._paths[sha256] = target
            while len(self._paths) > self._kept:
                _, old = self._paths.popitem(last=False)
                old.unlink(missing_ok=True)
            return target


pages = PageCache()
originals = OriginalCopies()
