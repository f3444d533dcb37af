"""A flash sale: buyers checking out at once, each order paid through the gateway's webhook.

    .venv/bin/python bench/checkout/run.py                 # 20 buyers, one shop, then 20 shops
    .venv/bin/python bench/checkout/run.py --seconds 20 --buyers 20
    .venv/bin/python bench/checkout/run.py --only one --profile /tmp/sale --gil   # where the server's Python goes
    .venv/bin/python bench/checkout/run.py --job-worker 4  # jobs in a worker process through Redis, as in production

Real services on a throwaway PostgreSQL database (created, migrated, dropped here):
the app's HTTP side (`bench/checkout/server.py` under granian, one worker, jobs in-process
as in the embedded default) receives TestPay's signed webhooks; buyer processes run the
checkout service as the checkout page does, pay on the test gateway and POST its event
to the server. Per order: checkout -> paid is from the start of checkout to the webhook's
200 (the order is paid and committed); delivered is the fulfilment's delivery row's time
minus the order's paid_at. Checkout->paid is also split into the checkout and the rest
(paying on TestPay, then the webhook's answer). While the burst runs a probe GETs /healthz
(a cheap request) every 50 ms, next to its idle figure. The floors, in the same run:
pgbench's TPC-B on the same server (20 clients, scale 20) for the throughput, and for the
probe the same /healthz from a process that serves nothing else (`bare_probe.py`, probed
right after the app each time, idle and during the burst): what the machine alone does to
a cheap request while the buyers, the server and PostgreSQL share its cores.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.fixtures.ports import free_port  # noqa: E402
from tests.fixtures.processes import stop_group  # noqa: E402

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-checkout-secret-" + "x" * 20
# A Redis database of the bench's own for --job-worker (emptied before each scenario).
JOBS_REDIS = os.environ.get("BENCH_JOBS_REDIS", "redis://127.0.0.1:6379/11")


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


@contextmanager
def throwaway_database(server: str, prefix: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(server)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def pgbench_tps(server: str, seconds: int, clients: int) -> float:

    with throwaway_database(server, "bench_pgbench") as url:
        args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
        subprocess.run(["pgbench", "-i", "-q", "-s", "20", *args, url.database], check=True, capture_output=True)
        out = subprocess.run(
            ["pgbench", "-c", str(clients), "-j", "2", "-T", str(seconds), *args, url.database],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    for line in out.splitlines():
        if line.startswith("tps ="):
            return float(line.split()[2])
    raise RuntimeError(out)


def seed(url: str, shops: int, buyers: int, data_dir: str | None = None) -> tuple[list[int], list[int]]:
    """`shops` shops with one product each; returns (product ids, buyer ids). With the
    server's `data_dir`, each product is what a shop sells: a released version holding a
    PDF in the data folder's store, which the delivery job reads the versions and files of."""
    from sqlmodel import Session

    from commerce.db import engine_for
    from commerce.storage.local import LocalBlobStore
    from tests.fixtures.databases import alembic_upgrade
    from tests.fixtures.world import World

    engine = engine_for(url)
    alembic_upgrade(engine)
    store = LocalBlobStore(Path(data_dir) / "storage", SECRET) if data_dir else None
    with Session(engine) as s:
        world = World(s)
        products = [world.product(world.shop("USD"), 1500) for _ in range(shops)]
        for product in products if store else ():
            guide = b"%PDF-1.4\n% the flash sale's guide, product " + str(product.id).encode() + b"\n%%EOF\n"
            world.released_file(product, store, guide, filename="guide.pdf", content_type="application/pdf")
        users = [world.user().id for _ in range(buyers)]
        s.commit()
        product_ids = [product.id for product in products]
    engine.dispose()
    return product_ids, users


def get(url: str, timeout: float = 10) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        response.read()
    return time.perf_counter() - start


def start_granian(target: str, port: int, *, workers: int = 1, env: dict[str, str], stderr) -> subprocess.Popen:
    """granian serving the ASGI app `target` on 127.0.0.1:`port`, in a process group of its own."""
    granian = str(Path(sys.executable).with_name("granian"))
    command = [granian, "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(
        [*command, "--workers", str(workers), target],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=True,
    )


def wait_until_serving(base: str, process: subprocess.Popen, seconds: float, failure: str) -> None:
    """Until `base` answers /healthz; `failure` if `process` exits or `seconds` pass first."""
    deadline = time.time() + seconds
    while True:
        try:
            get(base + "/healthz", timeout=2)
            return
        except OSError as exc:
            if time.time() > deadline or process.poll() is not None:
                raise RuntimeError(failure) from exc
            time.sleep(0.3)


@contextmanager
def app_server(
    url: str, data_dir: str, workers: int = 1, target: str = "bench.checkout.server:app", job_threads: int = 0
):
    """granian serving bench/checkout/server.py; one worker is what Reflex runs without Redis
    (the embedded default), several what it runs with Redis (one per core by default). With
    `job_threads`, jobs go through Redis (JOBS_REDIS, emptied first) to a worker process with
    that many threads (`make worker`), as in production, instead of the server's own pool."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "DATA_DIR": data_dir,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    job_worker = None
    if job_threads:
        redis.Redis.from_url(JOBS_REDIS).flushdb()
        env["REDIS_URL"] = JOBS_REDIS
        with open(Path(data_dir) / "worker.log", "w") as worker_log:  # the worker keeps its own copy
            job_worker = subprocess.Popen(
                [sys.executable, "-m", "commerce.cli", "worker", "--threads", str(job_threads)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=worker_log,
                start_new_session=True,
            )
    server_log = Path(data_dir) / "server.log"
    with open(server_log, "w") as log_file:  # the server keeps its own copy
        process = start_granian(target, port, workers=workers, env=env, stderr=log_file)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, 60, f"the app server did not start: see {server_log}")
        yield base, process.pid
    finally:
        for running in (process, job_worker):
            if running is not None:
                stop_group(running, timeout=30)


@contextmanager
def bare_probe_server():
    """`bare_probe.py` under granian, one worker: the probe's floor (no app, no database)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = start_granian("bench.checkout.bare_probe:app", port, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, 30, "the bare probe server did not start")
        yield base
    finally:
        stop_group(process, timeout=10)


@contextmanager
def profiled(pid: int, path: str | None, seconds: int, gil: bool = False):
    """py-spy samples the server and its worker processes for `seconds` (raw collapsed
    stacks in `path`: one line per stack and its count; flamegraph.pl or speedscope read it).
    50 samples/s: at 200 py-spy fell seconds behind on this loaded box and took CPU from the bench.
    With `gil`, only the thread holding the interpreter is sampled: the server's Python work,
    without the threads waiting on PostgreSQL (which otherwise fill most samples)."""
    if not path:
        yield
        return
    spy = str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", *(["--gil"] if gil else []), "--subprocesses", "--rate", "50", "--duration", str(seconds)]
    process = subprocess.Popen([*command, "--format", "raw", "--output", path, "--pid", str(pid)])
    try:
        yield
    finally:
        process.wait(timeout=seconds + 60)


def check_out(gateway, buyer_id: int, product_id: int, base: str) -> tuple[str, str]:
    """One buyer's checkout of one product in a unit of work, as the checkout page runs it;
    returns the order's reference and the gateway's payment session, which the buyer's
    browser finds in the payment page's address it is sent to."""
    from commerce.actor import Actor
    from commerce.db import unit_of_work
    from commerce.models import UserRole
    from commerce.orders.cart import CartSettings
    from commerce.orders.checkout import start_checkout
    from commerce.orders.pricing import CartInput

    with unit_of_work() as s:
        result = start_checkout(
            s,
            Actor(user_id=buyer_id, role=UserRole.BUYER),
            gateway,
            items=[CartInput(product_id)],
            settings=CartSettings(None, None, "USD"),
            base_url=base,
        )
    payment_page = gateway.checkout_url("")
    if not result.redirect_url.startswith(payment_page):
        raise SystemExit(f"checkout sent the buyer to {result.redirect_url}, not to TestPay's payment page")
    return result.order_reference, result.redirect_url.removeprefix(payment_page)


def buyer_process(url, base, product_ids, buyer_ids, threads, barrier, seconds, max_orders, out):
    """One process of buyers (`threads` of them), each buying until `stop_at`."""
    os.environ.update({"DATABASE_URL": url, "SECRET_KEY": SECRET, "BASE_URL": base})
    from sqlmodel import select

    from commerce import wiring
    from commerce.db import unit_of_work
    from commerce.jobs import EagerBackend, jobs_run_by
    from commerce.models import Order
    from commerce.payments.testpay import TestPayGateway

    wiring.configure()
    gateway = TestPayGateway(SECRET, base, send_event=lambda delivery: None)
    results = []
    lock = threading.Lock()

    def buyer(index: int) -> None:
        buyer_id = buyer_ids[index % len(buyer_ids)]
        product_id = product_ids[index % len(product_ids)]
        n = 0
        while time.time() < stop_at and n < max_orders:
            n += 1
            t0 = time.perf_counter()
            reference, session_id = check_out(gateway, buyer_id, product_id, base)
            t_checkout = time.perf_counter()
            attempt = gateway.pay(session_id, "4242 4242 4242 4242")
            request = urllib.request.Request(
                base + "/api/webhooks/testpay",
                data=attempt.webhook.payload,
                headers=attempt.webhook.headers,
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                body = json.loads(response.read())
            t_paid = time.perf_counter()
            with lock:
                results.append((reference, body.get("outcome"), t_checkout - t0, t_paid - t0, time.time()))

    # The checkout service enqueues nothing after commit for a paid order; an eager backend
    # keeps any job (a guest's claim email) in this process instead of needing a pool.
    with unit_of_work() as s:  # imports done and a connection open before the start
        s.exec(select(Order.id).limit(1)).all()
    barrier.wait(timeout=120)
    stop_at = time.time() + seconds
    with jobs_run_by(EagerBackend()):
        workers = [threading.Thread(target=buyer, args=(i,)) for i in threads]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    out.put(results)


def burst(url, base, bare, product_ids, buyer_ids, *, buyers, processes, seconds, max_orders):
    ctx = mp.get_context("spawn")  # no pooled connection of this process leaks into the buyers
    out = ctx.Queue()
    barrier = ctx.Barrier(processes + 1)
    groups = [list(range(i, buyers, processes)) for i in range(processes)]
    procs = [
        ctx.Process(
            target=buyer_process, args=(url, base, product_ids, buyer_ids, g, barrier, seconds, max_orders, out)
        )
        for g in groups
    ]
    for p in procs:
        p.start()
    barrier.wait(timeout=120)
    start_at = time.time()
    stop_at = start_at + seconds
    probe, bare_probe, stop = [], [], threading.Event()

    def probing():
        while not stop.is_set() and time.time() < stop_at:
            probe.append(get(base + "/healthz"))
            bare_probe.append(get(bare + "/healthz"))
            time.sleep(0.05)

    prober = threading.Thread(target=probing)
    prober.start()
    results = []
    for _ in procs:
        results += out.get(timeout=seconds + 120)
    for p in procs:
        p.join()
    stop.set()
    prober.join()
    return results, probe, bare_probe, start_at


def delivery_delays(url: str, references: list[str], timeout: float) -> list[float]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    deadline = time.time() + timeout
    query = text(
        "SELECT EXTRACT(EPOCH FROM (d.delivered_at - o.paid_at)) FROM orders o"
        " JOIN fulfilments f ON f.order_id = o.id"
        " LEFT JOIN fulfilment_deliveries d ON d.fulfilment_id = f.id WHERE o.reference = ANY(:refs)"
    )
    while True:
        with engine.connect() as connection:
            rows = [r[0] for r in connection.execute(query, {"refs": references})]
        if all(r is not None for r in rows) or time.time() > deadline:
            break
        time.sleep(0.5)
    engine.dispose()
    missing = sum(r is None for r in rows)
    if missing:
        print(f"  !! {missing} of {len(rows)} fulfilments not delivered after {timeout:.0f} s")
    return [float(r) for r in rows if r is not None]


def scenario(
    label, server, *, shops, buyers, processes, seconds, max_orders, workers, job_threads=0, profile=None, gil=False
):
    data_dir = tempfile.mkdtemp(prefix="bench_checkout_")
    try:
        with throwaway_database(server, "bench_checkout") as url_obj:
            url = url_obj.render_as_string(hide_password=False)
            product_ids, buyer_ids = seed(url, shops, buyers, data_dir)
            with (
                app_server(url, data_dir, workers, job_threads=job_threads) as (base, pid),
                bare_probe_server() as bare,
            ):
                idle = [get(base + "/healthz") for _ in range(40)]
                bare_idle = [get(bare + "/healthz") for _ in range(40)]
                with profiled(pid, profile, seconds, gil):
                    results, probe, bare_probe, started = burst(
                        url,
                        base,
                        bare,
                        product_ids,
                        buyer_ids,
                        buyers=buyers,
                        processes=processes,
                        seconds=seconds,
                        max_orders=max_orders,
                    )
                paid = [r for r in results if r[1] == "processed"]
                elapsed = max(r[4] for r in results) - started
                delays = delivery_delays(url, [r[0] for r in paid], timeout=120)
                lost = len(results) - len(paid)
                figures = {
                    "orders": len(paid),
                    "not processed": lost,
                    "orders/s": len(paid) / elapsed,
                    "checkout->paid p50 ms": 1000 * pct([r[3] for r in paid], 50),
                    "checkout->paid p95 ms": 1000 * pct([r[3] for r in paid], 95),
                    "checkout p50 ms": 1000 * pct([r[2] for r in paid], 50),
                    "checkout p95 ms": 1000 * pct([r[2] for r in paid], 95),
                    "payment and webhook p50 ms": 1000 * pct([r[3] - r[2] for r in paid], 50),
                    "payment and webhook p95 ms": 1000 * pct([r[3] - r[2] for r in paid], 95),
                    "delivered after paid p50 ms": 1000 * pct(delays, 50),
                    "delivered after paid p95 ms": 1000 * pct(delays, 95),
                    "healthz idle p95 ms": 1000 * pct(idle, 95),
                    "healthz burst p95 ms": 1000 * pct(probe, 95),
                    "floor: bare /healthz idle p95 ms": 1000 * pct(bare_idle, 95),
                    "floor: bare /healthz burst p95 ms": 1000 * pct(bare_probe, 95),
                }
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\n{label}")
    for key, value in figures.items():
        print(f"  {key:34s} {value:10.1f}" if isinstance(value, float) else f"  {key:34s} {value:10d}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL", SERVER))
    parser.add_argument("--buyers", type=int, default=20)
    parser.add_argument("--processes", type=int, default=4, help="buyer processes (threads split among them)")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--max-orders", type=int, default=2000, help="per buyer, a bound on the loop")
    parser.add_argument("--workers", type=int, default=1, help="granian workers serving the app")
    parser.add_argument("--profile", help="py-spy the server during each burst into PROFILE.one/.many.txt")
    parser.add_argument("--gil", action="store_true", help="with --profile: sample only the thread holding the GIL")
    parser.add_argument("--only", choices=["one", "many"], default=None)
    parser.add_argument(
        "--job-worker",
        type=int,
        default=0,
        metavar="THREADS",
        help="run jobs as production does, through Redis in a worker process with THREADS threads",
    )
    args = parser.parse_args()

    floor = pgbench_tps(args.server, 10, args.buyers)
    print(f"floor: pgbench TPC-B, {args.buyers} clients, scale 20: {floor:.0f} tps")
    common = dict(
        buyers=args.buyers,
        processes=args.processes,
        seconds=args.seconds,
        max_orders=args.max_orders,
        workers=args.workers,
        job_threads=args.job_worker,
        gil=args.gil,
    )
    one = many = None
    if args.only in (None, "one"):
        profile = args.profile and args.profile + ".one.txt"
        one = scenario(f"one shop, {args.buyers} buyers", args.server, shops=1, profile=profile, **common)
    if args.only in (None, "many"):
        profile = args.profile and args.profile + ".many.txt"
        label = f"{args.buyers} shops, {args.buyers} buyers"
        many = scenario(label, args.server, shops=args.buyers, profile=profile, **common)
    print("\nsummary (target: one shop >= 60 orders/s, p95 checkout->paid < 500 ms, delivered p95 < 2 s,")
    print("         one shop within 10 % of 20 shops, healthz p95 during the burst <= 2x idle)")
    for name, f in (("one shop", one), ("20 shops", many)):
        if f:
            bare = f["floor: bare /healthz burst p95 ms"] / f["floor: bare /healthz idle p95 ms"]
            print(
                f"  {name:9s} {f['orders/s']:6.1f} orders/s ({f['orders/s'] / floor:.3f} of pgbench's {floor:.0f} tps)"
                f"  paid p95 {f['checkout->paid p95 ms']:.0f} ms"
                f"  delivered p95 {f['delivered after paid p95 ms']:.0f} ms"
                f"  healthz {f['healthz burst p95 ms'] / f['healthz idle p95 ms']:.1f}x idle"
                f" (a bare process {bare:.1f}x)"
            )
    if one and many:
        print(f"  one shop / 20 shops: {one['orders/s'] / many['orders/s']:.2f}")


if __name__ == "__main__":
    main()
