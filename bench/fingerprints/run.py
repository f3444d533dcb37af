"""Fingerprint robustness and cost.

1. For a fixed generated corpus (seeded pictures in PNG, JPEG and WebP, PDFs, ZIPs,
   EPUBs, MP3 and WAV files), mark each file for an order line, run every attack on
   the copy and count how often the tracer still finds the right order line (a MAC
   check, so a wrong line would count as a miss, never as a hit).
2. The time to mark a PDF and a ZIP of about --mb megabytes, next to the floor of a
   plain copy of the same bytes on the same disk.

    .venv/bin/python bench/fingerprints/run.py            # 100 MB, 8 pictures per format
    .venv/bin/python bench/fingerprints/run.py --mb 20 --pictures 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pikepdf

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from commerce.fingerprints import formats, payload  # noqa: E402
from commerce.fingerprints.evidence import LayerOutcome  # noqa: E402
from tests.fixtures import fingerprint_corpus as corpus  # noqa: E402

KEY = payload.mark_key("bench-secret-bench-secret-bench-secret")


def _corpus(pictures: int) -> list[tuple[str, bytes]]:
    files = []
    for seed in range(pictures):
        width, height = 800 + 160 * (seed % 4), 600 + 120 * (seed % 3)
        for fmt, suffix in (("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")):
            files.append(
                (f"picture-{seed}.{suffix}", corpus.image_bytes(fmt, width=width, height=height, seed=seed + 10))
            )
    for pages in (2, 3, 12):  # removing the first page of a one-page PDF would leave nothing
        files.append((f"book-{pages}.pdf", corpus.pdf_bytes(pages)))
    files += [("bundle.zip", corpus.zip_bytes()), ("novel.epub", corpus.epub_bytes())]
    files += [("track.mp3", corpus.mp3_bytes()), ("take.wav", corpus.wav_bytes())]
    return files


def _traced(folder: Path, name: str, data: bytes, line: int, original: bytes) -> bool:
    path = folder / f"suspect-{name}"
    path.write_bytes(data)
    kind = formats.kind_of(name, "")
    reading = formats.read_file(path, name, KEY, [original] if kind == formats.Kind.IMAGE else [])
    return any(e.outcome == LayerOutcome.VERIFIED and e.order_line_id == line for e in reading.evidence)


def detection(pictures: int) -> None:
    print(f"Detection after each attack ({pictures} pictures per image format, fixed seeds)")
    print(f"{'kind':<7} {'attack':<40} {'traced':>10} {'mark s':>8} {'read s':>8}")
    tallies: dict[tuple[str, str], list[int]] = {}
    timings: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for line, (name, data) in enumerate(_corpus(pictures), start=1000):
            kind = formats.kind_of(name, "")
            assert kind is not None
            source, marked_path = folder / f"o-{name}", folder / f"m-{name}"
            source.write_bytes(data)
            started = time.perf_counter()
            formats.mark_file(kind, source, marked_path, payload.make(KEY, line), KEY)
            mark_seconds = time.perf_counter() - started
            marked = marked_path.read_bytes()
            attacks = {"none (as delivered)": lambda b: b, **corpus.ATTACKS[kind.value]}
            attacks.update(corpus.COMBINED.get(kind.value, {}))
            for attack, run in attacks.items():
                started = time.perf_counter()
                hit = _traced(folder, name, run(marked), line, data)
                tally = tallies.setdefault((kind.value, attack), [0, 0])
                tally[0] += hit
                tally[1] += 1
                timings.setdefault((kind.value, attack), []).extend([mark_seconds, time.perf_counter() - started])
    for (kind, attack), (hits, total) in tallies.items():
        spent = timings[(kind, attack)]
        mark_mean = sum(spent[0::2]) / len(spent[0::2])
        read_mean = sum(spent[1::2]) / len(spent[1::2])
        print(f"{kind:<7} {attack:<40} {hits:>4}/{total:<4} {mark_mean:>8.2f} {read_mean:>8.2f}")


def _big_pdf(path: Path, megabytes: int) -> None:
    pdf = pikepdf.new()
    chunk = 512 * 1024
    for _ in range(max(1, megabytes * 1024 * 1024 // chunk)):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        # Incompressible page content (a raw stream of random bytes drawn as a 512x341 grey image).
        image = pdf.make_stream(
            os.urandom(chunk),
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Image,
            Width=1024,
            Height=512,
            ColorSpace=pikepdf.Name.DeviceGray,
            BitsPerComponent=8,
        )
        page.add_resource(image, pikepdf.Name.XObject, pikepdf.Name.Im0)
        page.contents_add(pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q"))
    pdf.save(path)


def _big_zip(path: Path, megabytes: int) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("docs/guide.pdf", corpus.pdf_bytes(5), zipfile.ZIP_DEFLATED)
        archive.writestr("art/cover.png", corpus.image_bytes("PNG", width=1200, height=900), zipfile.ZIP_STORED)
        archive.writestr("readme.txt", "Thank you for buying.\n" * 2000, zipfile.ZIP_DEFLATED)
        for n in range(max(1, megabytes // 5)):
            archive.writestr(f"assets/pack-{n:02}.bin", os.urandom(5 * 1024 * 1024), zipfile.ZIP_STORED)


def _time(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def big_files(megabytes: int) -> None:
    print(f"\nMarking large files (about {megabytes} MB each), next to a plain copy of the same bytes")
    print(f"{'file':<28} {'size MB':>8} {'copy s':>8} {'mark s':>8} {'traced':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, kind, make in (
            ("big.pdf", formats.Kind.PDF, _big_pdf),
            ("big.zip (PDF+PNG inside)", formats.Kind.ZIP, _big_zip),
        ):
            source = folder / f"source-{kind.value}"
            make(source, megabytes)
            copy = folder / f"copy-{kind.value}"
            marked = folder / f"marked-{kind.value}"
            copy_seconds = _time(lambda: shutil.copyfile(source, copy))  # noqa: B023
            mark_seconds = _time(
                lambda: formats.mark_file(kind, source, marked, payload.make(KEY, 77), KEY)  # noqa: B023
            )
            reading = formats.read_file(marked, name, KEY)
            traced = any(e.outcome == LayerOutcome.VERIFIED and e.order_line_id == 77 for e in reading.evidence)
            size = source.stat().st_size / 1024 / 1024
            print(f"{name:<28} {size:>8.1f} {copy_seconds:>8.2f} {mark_seconds:>8.2f} {'yes' if traced else 'NO':>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=100, help="size of the large PDF and ZIP (default 100)")
    parser.add_argument("--pictures", type=int, default=8, help="pictures per image format (default 8)")
    args = parser.parse_args()
    print(f"CPU count {os.cpu_count()}; load average {os.getloadavg()[0]:.1f} (shared machines inflate times)\n")
    detection(args.pictures)
    big_files(args.mb)


if __name__ == "__main__":
    main()
