"""Audio fingerprints, where they are cheap: an ID3 TXXX frame in an MP3, and an ID3
chunk in a WAV file (mutagen writes both and fixes the RIFF sizes). Tags are easy
to strip; they are one more layer, not the only one that matters."""

from __future__ import annotations

from pathlib import Path

import mutagen
from mutagen.id3 import ID3, TXXX
from mutagen.mp3 import MP3
from mutagen.wave import WAVE

from commerce.fingerprints.evidence import LayerEvidence, judge
from commerce.fingerprints.payload import as_text, from_text

LAYER_TAG = "Audio tag (ID3)"
DESCRIPTION = "fingerprint"


class NotAudio(ValueError):
    pass


def _open(path: Path) -> MP3 | WAVE:
    try:
        audio = mutagen.File(path)
    except mutagen.MutagenError as error:
        raise NotAudio(str(error)) from None
    if not isinstance(audio, MP3 | WAVE):
        raise NotAudio("not an MP3 or WAV file")
    return audio


def mark_audio(path: Path, payload: bytes) -> None:
    """Tag the file at `path` in place (a copy the caller made)."""
    audio = _open(path)
    if audio.tags is None:
        audio.add_tags()
    assert isinstance(audio.tags, ID3)
    audio.tags.add(TXXX(encoding=3, desc=DESCRIPTION, text=[as_text(payload)]))
    audio.save()


def read_audio(path: Path, key: bytes) -> list[LayerEvidence]:
    audio = _open(path)
    found = None
    if isinstance(audio.tags, ID3):
        for frame in audio.tags.getall(f"TXXX:{DESCRIPTION}"):
            found = from_text(" ".join(str(t) for t in frame.text))
            if found is not None:
                break
    return [judge(key, LAYER_TAG, found)]
