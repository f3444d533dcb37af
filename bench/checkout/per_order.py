"""What one paid order costs the app, piece by piece: one process, orders one after another.

    .venv/bin/python bench/checkout/per_order.py                 # 200 orders
    .venv/bin/python bench/checkout/per_order.py --n 400 --sql delivery.tasks.deliver_fulfilment

A throwaway PostgreSQL database (created, migrated, dropped here) seeded as the flash-sale
bench seeds it (one shop, one product, a buyer per order). Each order is what the bench's
buyers and server do together: the checkout in a unit of work, paying on TestPay, then the
gateway's webhook handled as its route handles it, with every job the payment causes run at
once in this process (`EagerBackend`), so each is counted per order. The search reindex and
the analytics rollup, debounced in a burst (once a second or two for all the orders in it),
therefore count once per order here: they are printed apart.

Prints this process's CPU per order next to the floor measured in the same run (a unit of
work that runs `SELECT 1`), then, for the checkout, the webhook and each job, its CPU and
the SQL statements it sends (counted by an engine listener; the pool's pre-ping, `BEGIN` and
`COMMIT` are not statements here), per order (the receipt and a sale alert are two runs of
one email job). `--sql NAME` lists one piece's statements for one order.
"""

from __future__ import annotations

import argparse
import collections
import contextvars
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.checkout.run import SECRET, SERVER, check_out, seed, throwaway_database  # noqa: E402

BASE = "http://127.0.0.1:9"  # nothing listens: TestPay's event is handed over in process
DEBOUNCED = ("search.tasks.reindex_dirty_products", "analytics.tasks.roll_up_analytics")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL", SERVER))
    parser.add_argument("--n", type=int, default=200, help="orders measured, after 20 to warm up (bounded)")
    parser.add_argument("--sql", metavar="NAME", help="list the statements of one piece (as printed) for one order")
    args = parser.parse_args()
    n = max(1, min(args.n, 5000))

    with throwaway_database(args.server, "bench_per_order") as url_obj, tempfile.TemporaryDirectory() as data:
        url = url_obj.render_as_string(hide_password=False)
        product_ids, buyer_ids = seed(url, 1, n + 20, data)
        os.environ.update({"DATABASE_URL": url, "SECRET_KEY": SECRET, "BASE_URL": BASE, "DATA_DIR": data})
        from sqlalchemy import event, text

        from commerce import wiring
        from commerce.db import get_engine, unit_of_work
        from commerce.jobs import EagerBackend, jobs_run_by
        from commerce.observability.logs import configure_logging
        from commerce.orders.webhooks import receive
        from commerce.payments.testpay import TestPayGateway

        configure_logging(level="WARNING")  # a line per job would be the largest cost here
        wiring.configure()
        gateway = TestPayGateway(SECRET, BASE, send_event=lambda delivery: None)
        piece = contextvars.ContextVar("piece", default="webhook")
        cpu: collections.Counter[str] = collections.Counter()
        statements: collections.Counter[str] = collections.Counter()
        runs: collections.Counter[str] = collections.Counter()
        listed: dict[str, list[str]] = collections.defaultdict(list)

        def count(_conn, _cursor, statement, _params, _context, _many):
            statements[piece.get()] += 1
            listed[piece.get()].append(" ".join(statement.split())[:150])

        event.listen(get_engine(), "before_cursor_execute", count)

        class Measured(EagerBackend):
            """Each job's CPU and statements under its own name. A job that another enqueues runs
            after it (the eager backend queues them), so no job's figure holds another's."""

            def _run(self, job, kwargs):
                name = job.name.removeprefix("commerce.")
                token = piece.set(name)
                start = time.process_time()
                try:
                    super()._run(job, kwargs)
                finally:
                    cpu[name] += time.process_time() - start
                    runs[name] += 1
                    piece.reset(token)

        def one_order(i: int) -> None:
            token = piece.set("checkout")
            start = time.process_time()
            _, session_id = check_out(gateway, buyer_ids[i], product_ids[0], BASE)
            cpu["checkout"] += time.process_time() - start
            piece.reset(token)
            attempt = gateway.pay(session_id, "4242 4242 4242 4242")
            # Jobs run inside receive(), after its commit; their CPU is taken off the webhook's.
            before_jobs = sum(cpu.values())
            start = time.process_time()
            outcome = receive(gateway, attempt.webhook.payload, attempt.webhook.headers)
            cpu["webhook"] += time.process_time() - start - (sum(cpu.values()) - before_jobs)
            if outcome != "processed":
                raise SystemExit(f"the webhook answered {outcome!r}, not 'processed'")

        def floor() -> None:
            with unit_of_work() as s:
                s.execute(text("SELECT 1"))

        backend = Measured()
        with jobs_run_by(backend):
            for i in range(20):  # warm: imports, pool, templates, catalogs
                one_order(i)
            if failed := backend.take_failures():
                raise SystemExit(f"a job failed: {failed[0]}")
            for warm_up in (cpu, statements, listed, runs):
                warm_up.clear()
            start = time.process_time()
            for i in range(20, 20 + n):
                one_order(i)
            total = time.process_time() - start
            if failed := backend.take_failures():
                raise SystemExit(f"a job failed: {failed[0]}")
        piece.set("floor")  # its statements are no order's
        start = time.process_time()
        for _ in range(n):
            floor()
        floor_cpu = (time.process_time() - start) / n

    per_order = total / n
    debounced = sum(cpu[name] for name in DEBOUNCED) / n
    print(f"{n} paid orders, one after another, every job run at once in this process")
    print(f"  CPU per order            {1000 * per_order:7.1f} ms")
    print(f"    without the debounced  {1000 * (per_order - debounced):7.1f} ms  (reindex, rollup: debounced)")
    print(f"  floor: SELECT 1 unit     {1000 * floor_cpu:7.2f} ms  ratio {per_order / floor_cpu:.0f}x")
    print(f"\n  per order: {'piece':38s} {'runs':>5s} {'CPU ms':>7s} {'statements':>11s}")
    for name in sorted((set(cpu) | set(statements)) - {"floor"}, key=lambda k: -cpu[k]):
        mark = "  (debounced in a burst)" if name in DEBOUNCED else ""
        times = runs[name] / n if name in runs else 1.0
        print(f"  {name:49s} {times:5.1f} {1000 * cpu[name] / n:7.2f} {statements[name] / n:11.1f}{mark}")
    ordered = sum(count for name, count in statements.items() if name != "floor")
    print(f"  {'all':49s} {'':5s} {1000 * sum(cpu.values()) / n:7.2f} {ordered / n:11.1f}")
    if args.sql:
        every = listed.get(args.sql)
        if not every:
            raise SystemExit(f"no piece named {args.sql!r}: one of {', '.join(sorted(listed))}")
        print(f"\n{args.sql}, one order:")
        for statement in every[: len(every) // n]:
            print("  ", statement)


if __name__ == "__main__":
    main()
