"""Online-only videos cut into HLS: a playlist and ~6 s MPEG-TS segments in storage.

When a video becomes online only (the file or the whole product, at upload or later),
a job (`segment_video`) fetches the original from the blob store, cuts it with Debian's
`ffmpeg` (H.264/AAC copied as they are when they can be, otherwise re-encoded to H.264
and AAC; one rendition) and stores `index.m3u8` and `seg-00000.ts`... under
`hls/<sha256>/<random>/`, in the local store or S3 alike. A rendition is made once per
video content (its SHA-256), so the same file carried into a new version is not cut again.

Buyers never get these keys: the view route (`commerce.delivery.viewing`) answers the
playlist with every segment rewritten to a short-lived signed app link. Until the
rendition is ready, or if ffmpeg fails, the player streams the original through the
ranged stream link as before; a failure is kept on the rendition (`error`) and the job
fails, so it is written to the failed jobs too.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from commerce import storage
from commerce.catalog.viewable import ViewKind, view_kind
from commerce.db import unit_of_work
from commerce.jobs import enqueue_after_commit, job
from commerce.kit.time import utcnow
from commerce.models import DeliveryPolicy, ProductFile, RenditionStatus, VideoRendition, saved_id
from commerce.storage.port import BlobStore

log = logging.getLogger(__name__)

PLAYLIST = "index.m3u8"
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"
SEGMENT_SECONDS = 6
# ffmpeg names the segments seg-00000.ts onwards; the playlist names nothing else.
SEGMENT_NAME = re.compile(r"seg-([0-9]{5})\.ts")
MAX_SEGMENTS = 99_999
# A pending rendition asked for again after this long: its job may have died with its process.
ASK_AGAIN_AFTER = timedelta(minutes=15)
# A long film re-encoded on a busy machine; past this the attempt fails and is retried.
FFMPEG_TIMEOUT_SECONDS = 3 * 60 * 60


class SegmentingFailed(RuntimeError):
    """ffmpeg could not cut the video (or is not installed); kept on the rendition."""


def segment_name(index: int) -> str:
    return f"seg-{index:05d}.ts"


def segment_key(rendition: VideoRendition, index: int) -> str:
    assert rendition.prefix is not None
    return f"{rendition.prefix}/{segment_name(index)}"


def playlist_key(rendition: VideoRendition) -> str:
    assert rendition.prefix is not None
    return f"{rendition.prefix}/{PLAYLIST}"


def wants_rendition(s: Session, file: ProductFile, *, product_wide: bool | None = None) -> bool:
    """A video buyers may only play online (the file's or the product's setting)."""
    if view_kind(file.content_type) != ViewKind.VIDEO:
        return False
    if file.online_only:
        return True
    if product_wide is None:
        policy = s.get(DeliveryPolicy, file.product_id)
        product_wide = bool(policy and policy.online_only)
    return product_wide


def _find(s: Session, sha256: str) -> VideoRendition | None:
    return s.exec(select(VideoRendition).where(VideoRendition.sha256 == sha256)).first()


def ready_rendition(s: Session, sha256: str) -> VideoRendition | None:
    rendition = _find(s, sha256)
    if rendition is None or rendition.status != RenditionStatus.READY or rendition.prefix is None:
        return None
    return rendition


def ensure_rendition(s: Session, file: ProductFile) -> VideoRendition | None:
    """Ask for the HLS rendition of an online-only video unless it exists or is on its way
    (a failed one is not retried by asking: its job already failed for good)."""
    if not wants_rendition(s, file):
        return None
    rendition = _find(s, file.sha256)
    if rendition is not None:
        if rendition.status == RenditionStatus.PENDING and utcnow() - rendition.requested_at > ASK_AGAIN_AFTER:
            rendition.requested_at, rendition.source_key = utcnow(), file.blob_key
            s.add(rendition)
            s.flush()
            _schedule(s, saved_id(rendition))
        return rendition
    rendition = VideoRendition(sha256=file.sha256, source_key=file.blob_key)
    try:
        with s.begin_nested():
            s.add(rendition)
            s.flush()
    except IntegrityError:  # asked for at the same moment elsewhere
        return _find(s, file.sha256)
    _schedule(s, saved_id(rendition))
    return rendition


def ask_again(s: Session, file: ProductFile) -> VideoRendition | None:
    """The seller asks for another attempt at a video whose preparation failed (a damaged
    upload replaced, a passing fault): the same rendition, pending again."""
    rendition = _find(s, file.sha256)
    if rendition is None or rendition.status != RenditionStatus.FAILED or not wants_rendition(s, file):
        return rendition
    rendition.status, rendition.error = RenditionStatus.PENDING, None
    rendition.requested_at, rendition.source_key = utcnow(), file.blob_key
    s.add(rendition)
    s.flush()
    _schedule(s, saved_id(rendition))
    return rendition


def ensure_product_renditions(s: Session, product_id: int) -> int:
    """The product became online only: ask for every video of it. Returns how many."""
    asked = 0
    for file in s.exec(select(ProductFile).where(ProductFile.product_id == product_id)).all():
        if ensure_rendition(s, file) is not None:
            asked += 1
    return asked


def _schedule(s: Session, rendition_id: int) -> None:
    enqueue_after_commit(s, segment_video, rendition_id=rendition_id)


@job(max_retries=2, min_backoff_ms=60_000, queue="delivery", priority=10)
def segment_video(rendition_id: int) -> None:
    """Cut one video into HLS (defined here, beside the requests that schedule it)."""
    make_rendition(rendition_id)


# -- the work --------------------------------------------------------------------------


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # a fixed program and arguments we build; no shell
        command, capture_output=True, text=True, timeout=FFMPEG_TIMEOUT_SECONDS, check=False
    )


def _probe(source: Path) -> tuple[dict[str, str], dict[str, str] | None]:
    """The first video stream and the first audio stream (None when silent)."""
    done = _run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,pix_fmt", "-of", "json", str(source)]
    )
    if done.returncode != 0:
        raise SegmentingFailed(_last_line(done.stderr) or "ffprobe could not read the file as a video")
    streams = json.loads(done.stdout or "{}").get("streams", [])
    video = next((st for st in streams if st.get("codec_type") == "video"), None)
    audio = next((st for st in streams if st.get("codec_type") == "audio"), None)
    if video is None:
        raise SegmentingFailed("the file has no video stream")
    return video, audio


def can_copy(video: dict[str, str], audio: dict[str, str] | None) -> bool:
    """Whether browsers play the streams as they are: 8-bit 4:2:0 H.264 and AAC (or no sound)."""
    return (
        video.get("codec_name") == "h264"
        and video.get("pix_fmt") in ("yuv420p", "yuvj420p")
        and (audio is None or audio.get("codec_name") == "aac")
    )


def _ffmpeg(source: Path, out: Path, *, copy: bool) -> subprocess.CompletedProcess[str]:
    if copy:
        codecs = ["-c", "copy"]
    else:
        codecs = [
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
            # libx264 with 4:2:0 needs even sides; a keyframe every segment so each starts cleanly.
            "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2",
            "-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})",
            "-c:a", "aac", "-b:a", "128k", "-ac", "2",
        ]  # fmt: skip
    return _run(
        [
            "ffmpeg",
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(source),
            "-map",
            "0:v:0",
            "-map",
            "0:a:0?",
            "-sn",
            "-dn",
            *codecs,
            "-f",
            "hls",
            "-hls_time",
            str(SEGMENT_SECONDS),
            "-hls_playlist_type",
            "vod",
            "-hls_list_size",
            "0",
            "-hls_segment_type",
            "mpegts",
            "-hls_flags",
            "independent_segments",
            "-hls_segment_filename",
            str(out / "seg-%05d.ts"),
            str(out / PLAYLIST),
        ]  # fmt: skip
    )


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _segments_of(playlist: str) -> list[str]:
    """The segment names a finished VOD playlist lists, in order; refuses anything else."""
    if "#EXT-X-ENDLIST" not in playlist:
        raise SegmentingFailed("ffmpeg did not finish the playlist")
    names = [line.strip() for line in playlist.splitlines() if line.strip() and not line.startswith("#")]
    if not names or len(names) > MAX_SEGMENTS:
        raise SegmentingFailed("ffmpeg made no segments")
    for index, name in enumerate(names):
        if name != segment_name(index):
            raise SegmentingFailed(f"unexpected segment name in the playlist: {name[:60]}")
    return names


def cut(source: Path, out: Path) -> tuple[list[str], bool]:
    """Cut `source` into HLS in the folder `out`; returns the segment names and whether it
    was re-encoded. Raises SegmentingFailed."""
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        raise SegmentingFailed("ffmpeg is not installed (scripts/ensure-ffmpeg.sh installs it)")
    video, audio = _probe(source)
    transcoded = not can_copy(video, audio)
    done = _ffmpeg(source, out, copy=not transcoded)
    if done.returncode != 0 and not transcoded:
        # Copying can fail on odd containers (timestamps, extradata): re-encode instead.
        for leftover in out.iterdir():
            leftover.unlink()
        transcoded = True
        done = _ffmpeg(source, out, copy=False)
    if done.returncode != 0:
        raise SegmentingFailed(_last_line(done.stderr) or f"ffmpeg exited with status {done.returncode}")
    return _segments_of((out / PLAYLIST).read_text()), transcoded


def _fail(rendition_id: int, message: str) -> None:
    with unit_of_work() as s:
        rendition = s.get(VideoRendition, rendition_id, with_for_update=True)
        if rendition is not None and rendition.status != RenditionStatus.READY:
            rendition.status, rendition.error = RenditionStatus.FAILED, message[:500]
            s.add(rendition)


def make_rendition(rendition_id: int, store: BlobStore | None = None) -> bool:
    """Cut and store one rendition (the job's work); True if this call made it.

    The cutting runs outside any lock (it may take minutes); two runs at once each store
    under their own random folder and the first to finish wins, the other's blobs are
    dropped. A failure marks the rendition failed with ffmpeg's reason and raises, so the
    job is retried and, in the end, written to the failed jobs."""
    with unit_of_work() as s:
        rendition = s.get(VideoRendition, rendition_id)
        if rendition is None or rendition.status == RenditionStatus.READY:
            return False
        source_key, sha256 = rendition.source_key, rendition.sha256
    blobs = store or storage.blob_store()
    prefix = f"hls/{sha256}/{uuid.uuid4().hex}"
    stored: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="hls-") as folder:
            work = Path(folder)
            source, out = work / "original", work / "out"
            out.mkdir()
            with blobs.open(source_key) as original, source.open("wb") as writer:
                shutil.copyfileobj(original, writer, 1024 * 1024)
            names, transcoded = cut(source, out)
            for name in names:
                with (out / name).open("rb") as reader:
                    stored.append(blobs.put(f"{prefix}/{name}", reader, content_type=SEGMENT_TYPE).key)
            with (out / PLAYLIST).open("rb") as reader:
                stored.append(blobs.put(f"{prefix}/{PLAYLIST}", reader, content_type=PLAYLIST_TYPE).key)
    except (SegmentingFailed, subprocess.TimeoutExpired) as error:
        for key in stored:
            blobs.delete(key)
        message = str(error) if isinstance(error, SegmentingFailed) else "ffmpeg took too long"
        log.error("could not cut video rendition %s into HLS: %s", rendition_id, message)
        _fail(rendition_id, message)
        raise SegmentingFailed(message) from error
    with unit_of_work() as s:
        rendition = s.get(VideoRendition, rendition_id, with_for_update=True)
        if rendition is None or rendition.status == RenditionStatus.READY:
            won = False
        else:
            won = True
            rendition.status, rendition.prefix, rendition.segment_count = RenditionStatus.READY, prefix, len(names)
            rendition.transcoded, rendition.error, rendition.ready_at = transcoded, None, utcnow()
            s.add(rendition)
    if not won:
        for key in stored:
            blobs.delete(key)
    return won
