"""Round trips per format: mark a copy for one order line, attack it as a leaker would,
and read the order line back; a forged or moved mark reads as tampered."""

from __future__ import annotations

from pathlib import Path

import pytest

from commerce.fingerprints import formats, payload
from commerce.fingerprints.evidence import LayerOutcome
from tests.fixtures.fingerprint_corpus import ATTACKS, CONTENT_TYPES, CORPUS

KEY = payload.mark_key("a-test-secret-that-is-long-enough-to-be-real")
LINE = 4242


def _mark(tmp_path: Path, name: str, mark: bytes) -> bytes:
    source, dest = tmp_path / f"original-{name}", tmp_path / f"marked-{name}"
    source.write_bytes(CORPUS[name]())
    kind = formats.kind_of(name, CONTENT_TYPES[Path(name).suffix])
    assert kind is not None
    formats.mark_file(kind, source, dest, mark, KEY)
    return dest.read_bytes()


def _read(tmp_path: Path, name: str, data: bytes, originals=()) -> formats.FileReading:
    path = tmp_path / f"suspect-{name}"
    path.write_bytes(data)
    return formats.read_file(path, name, KEY, originals)


def _lines(reading: formats.FileReading, outcome: LayerOutcome) -> set[int | None]:
    return {e.order_line_id for e in reading.evidence if e.outcome == outcome}


def _cases():
    for name in CORPUS:
        kind = formats.kind_of(name, CONTENT_TYPES[Path(name).suffix])
        assert kind is not None
        yield pytest.param(name, None, id=f"{name}-as-delivered")
        for attack in ATTACKS[kind.value]:
            yield pytest.param(name, attack, id=f"{name}-{attack}")


@pytest.mark.parametrize(("name", "attack"), list(_cases()))
def test_a_marked_copy_traces_to_its_order_line_after_the_attack(tmp_path, name, attack):
    marked = _mark(tmp_path, name, payload.make(KEY, LINE))
    kind = formats.kind_of(name, CONTENT_TYPES[Path(name).suffix])
    suspect = ATTACKS[kind.value][attack](marked) if attack else marked
    reading = _read(tmp_path, name, suspect, originals=[CORPUS[name]()] if kind == formats.Kind.IMAGE else [])
    assert _lines(reading, LayerOutcome.VERIFIED) == {LINE}
    assert _lines(reading, LayerOutcome.TAMPERED) == set()


@pytest.mark.parametrize("name", list(CORPUS))
def test_a_mark_moved_to_another_purchase_reads_as_tampered(tmp_path, name):
    genuine = payload.make(KEY, LINE)
    # Someone who learnt the format puts another order line's id beside this copy's MAC.
    moved = (LINE + 1).to_bytes(4, "big") + genuine[4:]
    reading = _read(tmp_path, name, _mark(tmp_path, name, moved))
    assert _lines(reading, LayerOutcome.VERIFIED) == set()
    assert LINE + 1 in _lines(reading, LayerOutcome.TAMPERED)


def test_a_mark_made_without_the_secret_reads_as_tampered(tmp_path):
    forged = payload.make(payload.mark_key("some-other-secret"), LINE)
    reading = _read(tmp_path, "guide.pdf", _mark(tmp_path, "guide.pdf", forged))
    assert {e.outcome for e in reading.evidence} == {LayerOutcome.TAMPERED}


def test_an_unmarked_file_carries_no_mark(tmp_path):
    for name in ("guide.pdf", "photo.png", "bundle.zip"):
        reading = _read(tmp_path, name, CORPUS[name]())
        assert {e.outcome for e in reading.evidence} == {LayerOutcome.ABSENT}


def test_a_file_of_another_kind_is_read_as_none(tmp_path):
    reading = _read(tmp_path, "notes.txt", b"just text")
    assert reading.kind is None
    assert reading.evidence == []
