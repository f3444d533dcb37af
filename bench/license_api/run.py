"""License checks per second next to /healthz on the same server.

    .venv/bin/python bench/license_api/run.py
    .venv/bin/python bench/license_api/run.py --seconds 10 --threads 16
    .venv/bin/python bench/license_api/run.py --app routes        # the routes without the site's middleware
    .venv/bin/python bench/license_api/run.py --profile /tmp/lic  # py-spy --gil during validate: /tmp/lic.txt

The app's HTTP side under granian, one worker: by default the site's whole HTTP stack
(`bench/license_api/site_server.py`: its middleware, CORS, routes and the /api/v1 app), with
`--app routes` the routes alone (`bench/checkout/server.py`, what earlier figures used), on a throwaway
PostgreSQL database holding 2,000 sold license keys (no usage limit, as most keys are).
Client processes keep connections open and POST /api/v1/licenses/validate as fast as the
server answers, each request naming another key and, through X-Forwarded-For behind one
trusted proxy hop, another client address, so the rate limits (unchanged) never refuse one;
then the same clients GET /healthz and /readyz. The figure is validations/s; it is
printed next to two floors. /healthz touches no database since it became a pure liveness
probe, so it is the server's bare request rate (floors measured before that change included
one database round trip, and their ratios are not comparable with it). /readyz runs its
checks (database and migration heads, blob store, search index) in threads: the nearest
route that, like a check, reaches the database on every request, though it does more.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.checkout.run import SECRET, SERVER, app_server, throwaway_database  # noqa: E402

KEYS = 2_000
APPS = {"site": "bench.license_api.site_server:app", "routes": "bench.checkout.server:app"}


@contextmanager
def gil_profile(pid: int, path: str | None, seconds: int):
    """py-spy samples the server's worker only while a thread holds the GIL (its Python CPU),
    as raw collapsed stacks in `path` (one stack and its count per line)."""
    if not path:
        yield
        return
    spy = str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "--subprocesses", "--gil", "--rate", "100", "--duration", str(seconds)]
    process = subprocess.Popen([*command, "--format", "raw", "--output", path, "--pid", str(pid)])
    try:
        yield
    finally:
        process.wait(timeout=seconds + 60)


def seed(url: str) -> tuple[int, list[str]]:
    os.environ.update({"DATABASE_URL": url, "SECRET_KEY": SECRET})
    from sqlmodel import Session

    from commerce import wiring
    from commerce.db import engine_for
    from commerce.license_keys.format import generate_key, normalize_key
    from commerce.license_keys.vault import configured_vault, product_associated_data
    from commerce.models import DeliveryKind, KeySource, KeyStatus, LicenseKey
    from tests.fixtures.databases import alembic_upgrade
    from tests.fixtures.world import World

    wiring.configure()
    engine = engine_for(url)
    alembic_upgrade(engine)
    vault = configured_vault()
    texts = [generate_key("BENCH") for _ in range(KEYS)]
    with Session(engine) as s:
        world = World(s)
        product = world.product(world.shop("USD"), 1500)
        product.delivery_kind = DeliveryKind.KEYS
        s.add(product)
        s.flush()
        for text in texts:
            s.add(
                LicenseKey(
                    product_id=product.id,
                    source=KeySource.GENERATED,
                    status=KeyStatus.SOLD,
                    ciphertext=vault.encrypt(text, product_associated_data(product.id)),
                    lookup_hash=vault.lookup_hash(normalize_key(text)),
                )
            )
        s.commit()
        product_id = product.id
    engine.dispose()
    return product_id, texts


def client_process(base, kind, product_id, keys, offset, threads, barrier, seconds, out):
    parts = urlsplit(base)
    counts = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        n, ok, i = 0, 0, offset + index
        stop_at = time.time() + seconds
        while time.time() < stop_at:
            i += 7919  # another key and another client address each time
            if kind == "validate":
                body = json.dumps({"product_id": product_id, "key": keys[i % len(keys)]})
                ip = f"10.{(i // 65536) % 256}.{(i // 256) % 256}.{i % 256}"
                connection.request(
                    "POST",
                    "/api/v1/licenses/validate",
                    body=body,
                    headers={"content-type": "application/json", "x-forwarded-for": ip},
                )
            else:
                connection.request("GET", "/" + kind)
            response = connection.getresponse()
            payload = response.read()
            n += 1
            if response.status == 200 and (kind != "validate" or b'"valid"' in payload):
                ok += 1
        with lock:
            counts.append((n, ok))

    barrier.wait(timeout=60)
    workers = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put((sum(c[0] for c in counts), sum(c[1] for c in counts)))


def rate(base, kind, product_id, keys, *, processes, threads, seconds) -> tuple[float, int, int]:
    ctx = mp.get_context("spawn")
    out, barrier = ctx.Queue(), ctx.Barrier(processes + 1)
    procs = [
        ctx.Process(
            target=client_process, args=(base, kind, product_id, keys, p * 1000, threads, barrier, seconds, out)
        )
        for p in range(processes)
    ]
    for p in procs:
        p.start()
    barrier.wait(timeout=60)
    start = time.perf_counter()
    results = [out.get(timeout=seconds + 60) for _ in procs]
    elapsed = time.perf_counter() - start
    for p in procs:
        p.join()
    total, ok = sum(r[0] for r in results), sum(r[1] for r in results)
    return ok / elapsed, total, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL", SERVER))
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="granian workers serving the app")
    parser.add_argument("--threads", type=int, default=8, help="connections per client process")
    parser.add_argument("--app", choices=sorted(APPS), default="site", help="what the server serves")
    parser.add_argument("--profile", help="py-spy --gil the server during validate into PROFILE.txt")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="bench_license_")
    os.environ["REFLEX_TRUSTED_PROXY_HOPS"] = "1"
    try:
        with throwaway_database(args.server, "bench_license") as url_obj:
            url = url_obj.render_as_string(hide_password=False)
            product_id, keys = seed(url)
            with app_server(url, data_dir, args.workers, APPS[args.app]) as (base, pid):
                common = dict(processes=args.processes, threads=args.threads, seconds=args.seconds)
                rate(base, "healthz", product_id, keys, **{**common, "seconds": 2})  # warm up
                floor, _, _ = rate(base, "healthz", product_id, keys, **common)
                ready, _, _ = rate(base, "readyz", product_id, keys, **common)
                profile = f"{args.profile}.txt" if args.profile else None
                with gil_profile(pid, profile, args.seconds):
                    figure, total, ok = rate(base, "validate", product_id, keys, **common)
        print(
            f"{args.processes * args.threads} connections, {args.seconds} s each, "
            f"{args.workers} server worker(s), app: {args.app}"
        )
        print(f"  validate: {figure:8.0f} valid answers/s ({ok} of {total} requests valid)")
        print(f"  floor:    {floor:8.0f} /healthz answers/s (no database)   ratio {figure / floor:.2f}")
        print(f"  floor:    {ready:8.0f} /readyz answers/s (database + checks) ratio {figure / ready:.2f}")
        print("  target: >= 0.5 of the floor")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
