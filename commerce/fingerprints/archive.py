"""ZIP and EPUB fingerprints: the archive comment, the EPUB package metadata, and the
marks of the fingerprintable files inside (PDFs and images), written with zipfile.

Entries keep their order, names, dates and compression (an EPUB's stored
``mimetype`` stays first), so the archive opens exactly as before.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Callable
from typing import BinaryIO

from commerce.fingerprints.evidence import LayerEvidence, judge
from commerce.fingerprints.payload import as_text, from_text

LAYER_COMMENT = "Archive comment"
LAYER_OPF = "EPUB package metadata"
# Inner files larger than this are copied as they are (a whole archive can be far larger).
INNER_LIMIT = 64 * 1024 * 1024
INNER_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".webp")
_CHUNK = 1024 * 1024
_OPF_META = re.compile(rb"</(?:opf:)?metadata>")


class NotAnArchive(ValueError):
    pass


def _opf_path(archive: zipfile.ZipFile) -> str | None:
    try:
        container = archive.read("META-INF/container.xml")
    except KeyError:
        return None
    found = re.search(rb'full-path="([^"]+)"', container)
    return found.group(1).decode() if found else None


def _mark_opf(data: bytes, text: str) -> bytes:
    meta = f'<meta name="fingerprint" content="{text}"/>'.encode()
    found = _OPF_META.search(data)
    if found is None:
        return data
    return data[: found.start()] + meta + data[found.start() :]


def mark_archive(source: BinaryIO, dest: BinaryIO, payload: bytes, inner: Callable[[str, bytes], bytes | None]) -> None:
    """Copy the archive with the mark in its comment, its OPF (EPUB) and, through
    `inner` (name, bytes -> marked bytes or None), its fingerprintable files."""
    text = as_text(payload)
    try:
        original = zipfile.ZipFile(source)
    except zipfile.BadZipFile as error:
        raise NotAnArchive(str(error)) from None
    with original, zipfile.ZipFile(dest, "w", allowZip64=True) as out:
        opf = _opf_path(original)
        for info in original.infolist():
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type, copy.external_attr, copy.comment = info.compress_type, info.external_attr, info.comment
            copy.create_system = info.create_system
            name = info.filename.lower()
            if info.is_dir():
                out.writestr(copy, b"")
            elif info.filename == opf or (name.endswith(INNER_SUFFIXES) and info.file_size <= INNER_LIMIT):
                data = original.read(info)
                marked = _mark_opf(data, text) if info.filename == opf else inner(info.filename, data)
                out.writestr(copy, marked if marked is not None else data)
            else:
                with original.open(info) as reader, out.open(copy, "w", force_zip64=info.file_size > 2**31) as writer:
                    shutil.copyfileobj(reader, writer, _CHUNK)
        out.comment = text.encode()


def read_archive(
    source: BinaryIO, key: bytes, inner: Callable[[str, bytes], list[LayerEvidence]]
) -> list[LayerEvidence]:
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as error:
        raise NotAnArchive(str(error)) from None
    with archive:
        evidence = [judge(key, LAYER_COMMENT, from_text(archive.comment.decode("latin-1")))]
        opf = _opf_path(archive)
        if opf is not None:
            try:
                found = from_text(archive.read(opf).decode("utf-8", "replace"))
            except KeyError:
                found = None
            evidence.append(judge(key, LAYER_OPF, found))
        for info in archive.infolist():
            if info.filename.lower().endswith(INNER_SUFFIXES) and info.file_size <= INNER_LIMIT:
                for layer in inner(info.filename, archive.read(info)):
                    evidence.append(
                        LayerEvidence(
                            layer=f"{info.filename}: {layer.layer}",
                            outcome=layer.outcome,
                            order_line_id=layer.order_line_id,
                            detail=layer.detail,
                        )
                    )
        return evidence


def is_zip(data: bytes) -> bool:
    return zipfile.is_zipfile(io.BytesIO(data))
