"""Which files carry a fingerprint, marking a copy, and reading a suspect file back."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from io import BytesIO
from pathlib import Path

from commerce.fingerprints import archive, audio, image, pdf
from commerce.fingerprints.evidence import LayerEvidence


class Kind(StrEnum):
    PDF = "pdf"
    IMAGE = "image"
    ZIP = "zip"
    EPUB = "epub"
    AUDIO = "audio"


_BY_TYPE = {
    "application/pdf": Kind.PDF,
    "image/png": Kind.IMAGE,
    "image/jpeg": Kind.IMAGE,
    "image/webp": Kind.IMAGE,
    "application/zip": Kind.ZIP,
    "application/x-zip-compressed": Kind.ZIP,
    "application/epub+zip": Kind.EPUB,
    "audio/mpeg": Kind.AUDIO,
    "audio/x-wav": Kind.AUDIO,
    "audio/wav": Kind.AUDIO,
    "audio/vnd.wave": Kind.AUDIO,
}
_BY_SUFFIX = {
    ".pdf": Kind.PDF,
    ".png": Kind.IMAGE,
    ".jpg": Kind.IMAGE,
    ".jpeg": Kind.IMAGE,
    ".webp": Kind.IMAGE,
    ".zip": Kind.ZIP,
    ".epub": Kind.EPUB,
    ".mp3": Kind.AUDIO,
    ".wav": Kind.AUDIO,
}
LABELS = {
    Kind.PDF: "PDF",
    Kind.IMAGE: "image",
    Kind.ZIP: "ZIP archive",
    Kind.EPUB: "EPUB book",
    Kind.AUDIO: "audio file",
}
UNREADABLE = (pdf.NotAPdf, image.NotAnImage, archive.NotAnArchive, audio.NotAudio)


def kind_of(filename: str, content_type: str) -> Kind | None:
    """The kind of fingerprint a file can carry, from its sniffed type or else its name."""
    found = _BY_TYPE.get((content_type or "").split(";")[0].strip().lower())
    if found is None or found == Kind.ZIP:
        found = _BY_SUFFIX.get(Path(filename or "").suffix.lower(), found)
    return found


def _mark_inner(payload: bytes, key: bytes) -> Callable[[str, bytes], bytes | None]:
    def mark(name: str, data: bytes) -> bytes | None:
        kind = kind_of(name, "")
        try:
            if kind == Kind.PDF:
                out = BytesIO()
                pdf.mark_pdf(BytesIO(data), out, payload)
                return out.getvalue()
            if kind == Kind.IMAGE:
                return image.mark_image(data, payload, key)[0]
        except UNREADABLE:
            return None  # a damaged inner file is delivered as it was
        return None

    return mark


def mark_file(kind: Kind, source: Path, dest: Path, payload: bytes, key: bytes) -> None:
    """Write to `dest` a copy of `source` carrying `payload`. Raises one of UNREADABLE
    when the file is not what its kind says (the caller delivers no copy then)."""
    if kind == Kind.PDF:
        with source.open("rb") as reader, dest.open("wb") as writer:
            pdf.mark_pdf(reader, writer, payload)
    elif kind == Kind.IMAGE:
        dest.write_bytes(image.mark_image(source.read_bytes(), payload, key)[0])
    elif kind in (Kind.ZIP, Kind.EPUB):
        with source.open("rb") as reader, dest.open("wb") as writer:
            archive.mark_archive(reader, writer, payload, _mark_inner(payload, key))
    else:
        shutil.copyfile(source, dest)
        audio.mark_audio(dest, payload)


@dataclass(frozen=True)
class FileReading:
    kind: Kind | None
    evidence: list[LayerEvidence]


def _read_inner(key: bytes) -> Callable[[str, bytes], list[LayerEvidence]]:
    def read(name: str, data: bytes) -> list[LayerEvidence]:
        kind = kind_of(name, "")
        try:
            if kind == Kind.PDF:
                return pdf.read_pdf(BytesIO(data), key)
            if kind == Kind.IMAGE:
                return image.read_image(data, key)
        except UNREADABLE:
            return []
        return []

    return read


def sniff(path: Path, filename: str) -> Kind | None:
    head = path.open("rb").read(16)
    if head.startswith(b"%PDF"):
        return Kind.PDF
    if head.startswith(b"PK"):
        return (
            Kind.EPUB
            if filename.lower().endswith(".epub") or b"mimetypeapplication/epub" in path.open("rb").read(64)
            else Kind.ZIP
        )
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff")) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return Kind.IMAGE
    if (
        head.startswith(b"ID3")
        or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")
        or (head[:4] == b"RIFF" and head[8:12] == b"WAVE")
    ):
        return Kind.AUDIO
    return kind_of(filename, "")


def read_file(path: Path, filename: str, key: bytes, originals: Sequence[bytes] = ()) -> FileReading:
    """Every layer found in the suspect file at `path`; `originals` are the seller's
    unmarked images, used to align a cropped image. A file of no known kind reads as none."""
    kind = sniff(path, filename)
    try:
        if kind == Kind.PDF:
            with path.open("rb") as reader:
                return FileReading(kind, pdf.read_pdf(reader, key))
        if kind == Kind.IMAGE:
            return FileReading(kind, image.read_image(path.read_bytes(), key, originals))
        if kind in (Kind.ZIP, Kind.EPUB):
            with path.open("rb") as reader:
                return FileReading(kind, archive.read_archive(reader, key, _read_inner(key)))
        if kind == Kind.AUDIO:
            return FileReading(kind, audio.read_audio(path, key))
    except UNREADABLE:
        return FileReading(kind, [])
    return FileReading(None, [])
