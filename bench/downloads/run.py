"""A buyer's signed download next to `python -m http.server` serving the same file.

    .venv/bin/python bench/downloads/run.py              # a 200 MB file, 1 then 10 parallel downloads
    .venv/bin/python bench/downloads/run.py --mb 50 --rounds 3

The app's HTTP side runs as in production (`bench/checkout/server.py` under granian, one
worker) on a throwaway PostgreSQL database holding a paid order of a file product; each
download is a real one (link checked, session cookie, allowance counted, logged). The floor,
`python -m http.server` in the same data folder, serves the very file on disk. Both are
fetched by curl to /dev/null; the figure is MB/s (total bytes over wall time), best of
`--rounds`, and the ratio app / floor.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.checkout.run import SECRET, SERVER, app_server, throwaway_database  # noqa: E402
from tests.fixtures.ports import free_port  # noqa: E402


def seed(url: str, data_dir: str, size: int) -> tuple[str, str, Path]:
    """A paid order of one file product; returns (download path, session token, file on disk)."""
    os.environ.update({"DATABASE_URL": url, "SECRET_KEY": SECRET, "DATA_DIR": data_dir})
    from sqlmodel import Session

    from commerce import wiring
    from commerce.accounts.service import _start_session
    from commerce.config import get_settings
    from commerce.db import engine_for
    from commerce.delivery.downloads import mint_link
    from commerce.jobs import EagerBackend, jobs_run_by
    from commerce.kit.time import utcnow
    from commerce.models import ProductFile, ProductVersion
    from commerce.orders.webhooks import handle_event
    from commerce.storage.local import LocalBlobStore
    from tests.fixtures.databases import alembic_upgrade
    from tests.fixtures.world import World

    wiring.configure()
    engine = engine_for(url)
    alembic_upgrade(engine)
    store = LocalBlobStore(get_settings().storage_dir, SECRET)
    source = Path(data_dir) / "source.bin"
    with open(source, "wb") as file:
        for _ in range(size // (1 << 20)):
            file.write(os.urandom(1 << 20))
    with open(source, "rb") as file:
        blob = store.put("products/1/files/bench", file, content_type="application/zip")
    with jobs_run_by(EagerBackend()), Session(engine) as s:
        world = World(s)
        product = world.product(world.shop("USD"), 1500)
        version = ProductVersion(product_id=product.id, number=1, label="1.0", released_at=utcnow())
        s.add(version)
        s.flush()
        row = ProductFile(
            product_id=product.id,
            version_id=version.id,
            filename="course.zip",
            blob_key=blob.key,
            size_bytes=blob.size,
            sha256=blob.sha256,
            content_type="application/zip",
        )
        s.add(row)
        buyer = world.user()
        result = world.checkout(world.buyer_actor(buyer), [product], currency="USD")
        _, event = world.pay(result.order_reference)
        handle_event(s, event)
        s.commit()
        link = mint_link(s, world.buyer_actor(buyer), row.id)
        token = _start_session(s, buyer).token
        s.commit()
    engine.dispose()
    # The object file on disk (read from the store's record, so this also runs on older trees).
    return link.url, token, store._object_path(store._read_record(blob.key)["object"])


def fetch(urls_and_headers, parallel: int) -> tuple[float, int]:
    """Wall time and total bytes of `parallel` curl downloads at once."""
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            ["curl", "-s", "-f", "-o", "/dev/null", "-w", "%{size_download}", *headers, url],
            stdout=subprocess.PIPE,
            text=True,
        )
        for url, headers in urls_and_headers[:parallel]
    ]
    total = 0
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"curl failed ({proc.returncode})")
        total += int(out)
    return time.perf_counter() - start, total


def best_rate(target, parallel: int, rounds: int) -> float:
    rates = []
    for _ in range(rounds):
        seconds, total = fetch([target] * parallel, parallel)
        rates.append(total / seconds / 1e6)
    return max(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL", SERVER))
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="bench_downloads_")
    try:
        with throwaway_database(args.server, "bench_downloads") as url_obj:
            url = url_obj.render_as_string(hide_password=False)
            path, token, on_disk = seed(url, data_dir, args.mb << 20)
            port = free_port()
            floor_server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "http.server",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--directory",
                    str(on_disk.parent),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                time.sleep(1.0)
                floor_target = (f"http://127.0.0.1:{port}/{on_disk.name}", [])
                with app_server(url, data_dir) as (base, _pid):
                    app_target = (base + path, ["-H", f"Cookie: mp_session={token}"])
                    print(f"file: {args.mb} MiB, best of {args.rounds}")
                    for parallel in (1, 10):
                        floor = best_rate(floor_target, parallel, args.rounds)
                        app = best_rate(app_target, parallel, args.rounds)
                        print(
                            f"  {parallel:2d} parallel: app {app:8.0f} MB/s   floor (http.server) {floor:8.0f} MB/s"
                            f"   ratio {app / floor:.2f}"
                        )
            finally:
                os.killpg(floor_server.pid, signal.SIGTERM)
                floor_server.wait(timeout=10)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
