"""A traffic spike against one process and against the cluster: a baseline rate, then ten
times that for 60 s, then the baseline again; p50/p95 and the error rate of each step.

    .venv/bin/python bench/cluster/run.py single     # one app process, as `make run` on PostgreSQL
    .venv/bin/python bench/cluster/run.py cluster    # `make cluster`: nginx, 2 replicas, 2 workers
    .venv/bin/python bench/cluster/run.py cluster --rate 3 --base-seconds 20 --spike-seconds 60

The load is bench/checkout's shoppers (one buyer per order), open loop (requests leave on schedule whether or not
the earlier ones have been answered, so a slow server is charged its queueing): of every
ten requests, six open a product page (the app's page with its real head and status, one
catalogue query), three open the home page, and one pays an order (TestPay's signed
webhook: the order is marked paid, the ledger posted, access granted, jobs queued). The
orders are placed beforehand with the checkout service, as bench/checkout's buyers do.
A request fails on a status other than 2xx or no answer within 10 s. Loopback only, a
fixed number of requests, a throwaway database and folder per run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import cluster as launcher  # noqa: E402  # scripts/cluster.py: the replica start and the cluster

from tests.fixtures.ports import free_port_run  # noqa: E402
from tests.fixtures.processes import stop_group  # noqa: E402

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PRODUCT_PAGES = (
    "/p/inkwell-press/the-indie-maker-ebook",
    "/p/compiler-works/markdown-editor-pro",
    "/p/enigma-studio/lo-fi-drum-samples",
)
TIMEOUT = 10.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def wait_for_url(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{url} did not come up; see {log}")
        time.sleep(0.5)


@contextmanager
def single_process(work: Path):
    """One app process (Reflex's production backend, one granian worker) on a fresh database,
    with the embedded defaults for the rest: state in memory, jobs in-process, files on disk."""
    database = f"bench_single_{uuid.uuid4().hex[:8]}"
    layout = launcher.Layout(port=free_port_run(8), database=database, run_dir=work)
    command, env = launcher.Cluster(layout).replica_command(1)
    for name in ("REDIS_URL", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION"):
        env.pop(name)
    url = f"http://127.0.0.1:{layout.replica_ports[0]}"
    env["BASE_URL"] = url
    create_database(database)
    try:
        for step in ("migrate", "seed-demo"):
            cli = [str(launcher.PYTHON), "-m", "commerce.cli", step]
            subprocess.run(cli, env=env, check=True, capture_output=True)
        log = work / "single.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            wait_for_url(f"{url}/healthz", process, 240, log)
            yield url, layout.database_url, env["SECRET_KEY"]
        finally:
            stop_group(process, timeout=60)
    finally:
        drop_database(database)


@contextmanager
def whole_cluster(work: Path):
    """`scripts/cluster.py` on a fresh database (the frontend build reused when present)."""
    database = f"bench_cluster_{uuid.uuid4().hex[:8]}"
    log = work / "cluster.log"
    command = [str(launcher.PYTHON), str(ROOT / "scripts" / "cluster.py"), "--port", str(free_port_run(8))]
    command += ["--database", database, "--dir", str(work / "cluster"), "--skip-build"]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while "serving at" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the cluster did not start; see {log}")
            time.sleep(1)
        state = json.loads((work / "cluster" / "cluster.json").read_text())
        yield state["url"], state["database_url"], state["app_env"]["SECRET_KEY"]
    finally:
        stop_group(process, signal.SIGINT, timeout=60)
        drop_database(database)


def attached(state_path: Path):
    @contextmanager
    def running(work: Path):
        state = json.loads(state_path.read_text())
        yield state["url"], state["database_url"], state["app_env"]["SECRET_KEY"]

    return running


def create_database(name: str) -> None:
    from sqlalchemy import create_engine

    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()


def drop_database(name: str) -> None:
    from sqlalchemy import create_engine

    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def place_orders(database_url: str, secret: str, base: str, count: int) -> list[tuple[bytes, dict[str, str], str]]:
    """`count` orders placed by the demo buyer and paid on TestPay, their webhooks not yet
    delivered: (payload, headers, order reference) of each, for the load to POST."""
    os.environ.update(DATABASE_URL=database_url, SECRET_KEY=secret, BASE_URL=base)
    os.environ.pop("REDIS_URL", None)
    from sqlmodel import select

    from commerce import wiring
    from commerce.actor import Actor
    from commerce.db import unit_of_work
    from commerce.jobs import EagerBackend, jobs_run_by
    from commerce.models import Order, Product, User, UserRole
    from commerce.orders.cart import CartSettings
    from commerce.orders.checkout import start_checkout
    from commerce.orders.pricing import CartInput
    from commerce.payments.testpay import TestPayGateway

    wiring.configure()
    gateway = TestPayGateway(secret, base, send_event=lambda delivery: None)
    slugs = [path.rsplit("/", 1)[1] for path in PRODUCT_PAGES]
    webhooks = []
    run = uuid.uuid4().hex[:8]
    with jobs_run_by(EagerBackend()):
        with unit_of_work() as s:
            products = [s.exec(select(Product.id).where(Product.slug == slug)).one() for slug in slugs]
            # One buyer per order: checkout gives a buyer back their pending order for the same cart.
            buyers = [
                User(email=f"bench-{run}-{n}@example.com", display_name=f"Bench {n}", password_hash="!")
                for n in range(count)
            ]
            s.add_all(buyers)
            s.flush()
            buyer_ids = [buyer.id for buyer in buyers]
        for index, buyer_id in enumerate(buyer_ids):
            with unit_of_work() as s:
                placed = start_checkout(
                    s,
                    Actor(user_id=buyer_id, role=UserRole.BUYER),
                    gateway,
                    items=[CartInput(products[index % len(products)])],
                    settings=CartSettings(None, None, "USD"),
                    base_url=base,
                )
                session_id = s.exec(
                    select(Order.payment_session_id).where(Order.reference == placed.order_reference)
                ).one()
            attempt = gateway.pay(session_id, "4242 4242 4242 4242")
            webhooks.append((attempt.webhook.payload, dict(attempt.webhook.headers), placed.order_reference))
    return webhooks


def request(base: str, kind: str, webhook) -> None:
    if kind == "pay":
        payload, headers, _ = webhook
        call = urllib.request.Request(f"{base}/api/webhooks/testpay", data=payload, headers=headers, method="POST")
    elif kind == "product":
        call = urllib.request.Request(base + PRODUCT_PAGES[hash(threading.get_ident()) % len(PRODUCT_PAGES)])
    else:
        call = urllib.request.Request(base + "/")
    with urllib.request.urlopen(call, timeout=TIMEOUT) as response:
        response.read()


# The orders whose payment the load sent, to check afterwards that each was paid and delivered.
sent: list[str] = []


def paid_and_delivered(database_url: str, references: list[str]) -> tuple[int, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "select count(distinct o.id) filter (where o.status = 'paid'),"
                " count(distinct o.id) filter (where o.status = 'paid' and d.fulfilment_id is not null)"
                " from orders o join fulfilments f on f.order_id = o.id"
                " left join fulfilment_deliveries d on d.fulfilment_id = f.id where o.reference = any(:refs)"
            ),
            {"refs": references},
        ).one()
    engine.dispose()
    return row[0], row[1]


MIX = ("product", "home", "product", "product", "home", "product", "pay", "product", "home", "product")


def run_load(base: str, steps: list[tuple[str, float, float]], webhooks) -> list[dict]:
    """Each step (name, requests per second, seconds), open loop; returns per-step figures."""
    assert base.startswith("http://127.0.0.1:"), "loopback only"
    results: dict[str, list[tuple[float, bool]]] = {name: [] for name, _, _ in steps}
    sent.clear()
    lock = threading.Lock()
    pending_webhooks = list(webhooks)
    sequence = 0

    def one(step: str, kind: str, due: float, webhook) -> None:
        ok = True
        try:
            request(base, kind, webhook)
        except (urllib.error.URLError, OSError):
            ok = False
        # From when it was due, not when a thread got to it: queueing counts.
        with lock:
            results[step].append((time.perf_counter() - due, ok))

    with ThreadPoolExecutor(max_workers=200) as pool:
        start = time.perf_counter()
        offset = 0.0
        for name, rate, seconds in steps:
            count = int(rate * seconds)
            for i in range(count):
                due = start + offset + i / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                kind = MIX[sequence % len(MIX)]
                sequence += 1
                webhook = pending_webhooks.pop() if kind == "pay" and pending_webhooks else None
                if kind == "pay" and webhook is None:
                    kind = "product"
                if webhook is not None:
                    sent.append(webhook[2])
                pool.submit(one, name, kind, due, webhook)
            offset += seconds
    figures = []
    for name, rate, seconds in steps:
        rows = results[name]
        latencies = [latency * 1000 for latency, ok in rows if ok]
        errors = sum(1 for _, ok in rows if not ok)
        figures.append(
            {
                "step": name,
                "rate": rate,
                "seconds": seconds,
                "requests": len(rows),
                "error_rate": errors / len(rows) if rows else float("nan"),
                "p50_ms": pct(latencies, 50),
                "p95_ms": pct(latencies, 95),
            }
        )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=["single", "cluster"])
    parser.add_argument("--rate", type=float, default=3.0, help="baseline requests per second (default 3)")
    parser.add_argument("--base-seconds", type=float, default=20.0)
    parser.add_argument("--spike-seconds", type=float, default=60.0)
    parser.add_argument("--attach", type=Path, help="cluster: use the one running with this cluster.json")
    args = parser.parse_args()
    steps = [
        ("baseline", args.rate, args.base_seconds),
        ("10x spike", args.rate * 10, args.spike_seconds),
        ("baseline again", args.rate, args.base_seconds),
    ]
    payments = sum(int(rate * seconds) for _, rate, seconds in steps) // len(MIX) + 1
    work = Path(tempfile.mkdtemp(prefix=f"bench-{args.target}-"))
    try:
        start = single_process if args.target == "single" else whole_cluster
        if args.attach:
            start = attached(args.attach)
        with start(work) as (base, database_url, secret):
            print(f"{args.target}: {base}; placing {payments} orders to pay during the run", flush=True)
            webhooks = place_orders(database_url, secret, base, payments)
            figures = run_load(base, steps, webhooks)
            finished = time.monotonic()
            paid, delivered = paid_and_delivered(database_url, sent)
            while (paid < len(sent) or delivered < paid) and time.monotonic() - finished < 120:
                time.sleep(1)
                paid, delivered = paid_and_delivered(database_url, sent)
            caught_up = time.monotonic() - finished
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{args.target}: open loop, {MIX.count('pay')} in {len(MIX)} requests a payment\n")
    print(f"payments sent: {len(sent)}; paid: {paid}; delivered: {delivered}, {caught_up:.0f} s after the load ended\n")
    print("| step | rate/s | seconds | requests | errors | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in figures:
        print(
            f"| {row['step']} | {row['rate']:g} | {row['seconds']:g} | {row['requests']} | "
            f"{row['error_rate']:.1%} | {row['p50_ms']:.0f} | {row['p95_ms']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
