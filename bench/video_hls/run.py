"""What cutting an online-only video into HLS costs, and what the playlist route adds.

1. Cut a generated --seconds long 640x360 video with `commerce.catalog.video_hls.cut`:
   H.264/AAC in MP4 (copied) next to the floor of ffmpeg remuxing the same file to MP4
   (-c copy), and VP8/Vorbis in WebM (re-encoded) next to the floor of ffmpeg only
   decoding it (-f null).
2. Writing a buyer's playlist (`viewing.playlist`: every segment a signed link) for a
   two-hour video (1,200 segments), next to the floor of reading and splitting the same
   stored playlist without signing.

Each figure is the best of --rounds runs (the machine is shared and noisy).

    .venv/bin/python bench/video_hls/run.py
    .venv/bin/python bench/video_hls/run.py --seconds 30 --rounds 2
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from commerce.catalog import video_hls  # noqa: E402
from commerce.delivery import viewing  # noqa: E402
from commerce.storage.local import LocalBlobStore  # noqa: E402
from tests.fixtures.video import write_test_video  # noqa: E402

CODECS = {
    "mp4": ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "60", "-c:a", "aac"],
    "webm": ["-c:v", "libvpx", "-b:v", "800k", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libvorbis"],
}


def make_video(folder: Path, seconds: int, extension: str) -> Path:
    picture = "testsrc2=size=640x360:rate=30"
    return write_test_video(folder / f"source.{extension}", seconds, CODECS[extension], picture=picture, timeout=600)


def best(rounds: int, action) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def ffmpeg(*arguments: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *arguments], check=True)


def cut_into(folder: Path, source: Path) -> tuple[list[str], bool]:
    out = folder / f"out-{time.perf_counter_ns()}"
    out.mkdir()
    return video_hls.cut(source, out)


def playlist_bench(folder: Path, rounds: int) -> None:
    store = LocalBlobStore(folder / "store", "bench-secret")
    segments = 1200
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:6", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for index in range(segments):
        lines += ["#EXTINF:6.000000,", video_hls.segment_name(index)]
    lines.append("#EXT-X-ENDLIST")
    key = "hls/bench/index.m3u8"
    store.put(key, io.BytesIO("\n".join(lines).encode()), content_type=video_hls.PLAYLIST_TYPE)
    ticket = viewing.ViewTicket(
        fulfilment_id=1,
        file_id=2,
        page=0,
        blob_key=key,
        sha256="0" * 64,
        filename="film.mp4",
        content_type=video_hls.PLAYLIST_TYPE,
        licence_line="",
        playlist=True,
        segment_count=segments,
        session_family="bench-family",
    )

    def floor() -> None:
        with store.open(key) as stored:
            stored.read().decode().splitlines()

    signed = best(rounds * 5, lambda: viewing.playlist(ticket, store))
    plain = best(rounds * 5, floor)
    text = viewing.playlist(ticket, store)
    print(f"playlist of {segments} segments: {signed * 1000:.1f} ms signed ({len(text) // 1024} KiB)")
    print(f"  floor, read and split only: {plain * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-hls-") as name:
        folder = Path(name)
        mp4, webm = make_video(folder, args.seconds, "mp4"), make_video(folder, args.seconds, "webm")
        print(f"{args.seconds} s of 640x360 at 30 fps: MP4 {mp4.stat().st_size // 1024} KiB, "
              f"WebM {webm.stat().st_size // 1024} KiB; best of {args.rounds}")  # fmt: skip

        copied = best(args.rounds, lambda: cut_into(folder, mp4))
        remux = best(args.rounds, lambda: ffmpeg("-i", str(mp4), "-c", "copy", str(folder / "remux.mp4")))
        names, transcoded = cut_into(folder, mp4)
        print(f"H.264/AAC cut (copied={not transcoded}, {len(names)} segments): {copied:.2f} s")
        print(f"  floor, ffmpeg remux to MP4: {remux:.2f} s")

        encoded = best(args.rounds, lambda: cut_into(folder, webm))
        decode = best(args.rounds, lambda: ffmpeg("-i", str(webm), "-f", "null", "-"))
        names, transcoded = cut_into(folder, webm)
        print(f"VP8/Vorbis cut (re-encoded={transcoded}, {len(names)} segments): {encoded:.2f} s")
        print(f"  floor, ffmpeg decode only: {decode:.2f} s")

        playlist_bench(folder, args.rounds)


if __name__ == "__main__":
    main()
