"""Where `start_checkout` spends its time: one process, sequential checkouts, cProfile and SQL.

    .venv/bin/python bench/checkout/profile_checkout.py                  # 300 checkouts, top 30
    .venv/bin/python bench/checkout/profile_checkout.py --n 500 --top 50 --sort tottime
    .venv/bin/python bench/checkout/profile_checkout.py --concurrent 10   # checkouts only, 20 buyers

A throwaway PostgreSQL database (created, migrated, dropped here) seeded as the flash-sale
bench seeds it (one shop, one product), with a buyer per checkout (a buyer's second identical checkout
would return the pending order). Each checkout is what the bench's buyers do: a unit of
work around `start_checkout` (no payment). Prints the mean wall time per
checkout with and without the profiler, the SQL statements each checkout sends (counted
by an engine listener, with the pool's pre-ping counted apart) and cProfile's top
functions. The floor is a unit of work that runs `SELECT 1` only, in the same run.

`--concurrent SECONDS` instead runs checkouts only (no payment, no server) from 20 buyers
in 4 processes for that long, all buying one product and then each its own of 20
products, and prints checkouts/s and latency for both: whether the checkout itself has
a row that buyers of one product contend for.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.checkout.run import SECRET, SERVER, seed, throwaway_database  # noqa: E402


def _checkout_loop(url, product_ids, buyer_ids, threads, barrier, seconds, out):
    """One process of `threads` buyers checking out until `seconds` have passed (bounded)."""
    import threading

    os.environ.update({"DATABASE_URL": url, "SECRET_KEY": SECRET, "BASE_URL": "http://127.0.0.1:9"})
    from sqlalchemy import text

    from commerce import wiring
    from commerce.actor import Actor
    from commerce.db import unit_of_work
    from commerce.models import UserRole
    from commerce.orders.cart import CartSettings
    from commerce.orders.checkout import start_checkout
    from commerce.orders.pricing import CartInput
    from commerce.payments.testpay import TestPayGateway

    wiring.configure()
    gateway = TestPayGateway(SECRET, "http://127.0.0.1:9", send_event=lambda delivery: None)
    times: list[float] = []
    with unit_of_work() as s:
        s.execute(text("SELECT 1"))
    barrier.wait(timeout=120)
    stop_at = time.time() + seconds

    def buyer(index: int) -> None:
        product_id = product_ids[index % len(product_ids)]
        for round_ in range(100_000):
            if time.time() >= stop_at:
                break
            # A new buyer each round (buyers are seeded per thread and round): a buyer's
            # second identical checkout would return the first, still pending, order.
            buyer_id = buyer_ids[(round_ * 20 + index) % len(buyer_ids)]
            t0 = time.perf_counter()
            with unit_of_work() as s:
                start_checkout(
                    s,
                    Actor(user_id=buyer_id, role=UserRole.BUYER),
                    gateway,
                    items=[CartInput(product_id)],
                    settings=CartSettings(None, None, "USD"),
                    base_url="http://127.0.0.1:9",
                )
            times.append(time.perf_counter() - t0)

    workers = [threading.Thread(target=buyer, args=(i,)) for i in threads]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put(times)


def concurrent(server: str, seconds: int) -> None:
    import multiprocessing as mp

    from bench.checkout.run import pct

    ctx = mp.get_context("spawn")
    with throwaway_database(server, "bench_profile") as url_obj:
        url = url_obj.render_as_string(hide_password=False)
        product_ids, buyer_ids = seed(url, 20, 200 * seconds + 400)
        for label, products in (("one product", product_ids[:1]), ("20 products", product_ids)):
            out, barrier = ctx.Queue(), ctx.Barrier(5)
            procs = [
                ctx.Process(
                    target=_checkout_loop,
                    args=(url, products, buyer_ids, list(range(i, 20, 4)), barrier, seconds, out),
                )
                for i in range(4)
            ]
            for p in procs:
                p.start()
            barrier.wait(timeout=120)
            times = []
            for _ in procs:
                times += out.get(timeout=seconds + 120)
            for p in procs:
                p.join()
            print(
                f"{label:12s} {len(times) / seconds:7.1f} checkouts/s"
                f"  p50 {1000 * pct(times, 50):6.1f} ms  p95 {1000 * pct(times, 95):6.1f} ms"
            )
            # Buyers start again from the first: each has a pending order for its product, so
            # the 20-product pass uses buyers the first pass did not reach.
            buyer_ids = buyer_ids[len(times) + 20 :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL", SERVER))
    parser.add_argument("--n", type=int, default=300, help="checkouts per pass (bounded)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--concurrent", type=int, metavar="SECONDS", help="checkouts only, 20 buyers")
    args = parser.parse_args()
    if args.concurrent:
        concurrent(args.server, args.concurrent)
        return

    with throwaway_database(args.server, "bench_profile") as url_obj:
        url = url_obj.render_as_string(hide_password=False)
        # One buyer per checkout: a buyer's second identical checkout returns the pending order.
        product_ids, buyer_ids = seed(url, 1, 2 * args.n + 20)
        os.environ.update({"DATABASE_URL": url, "SECRET_KEY": SECRET, "BASE_URL": "http://127.0.0.1:9"})
        from sqlalchemy import event, text

        from commerce import wiring
        from commerce.actor import Actor
        from commerce.db import get_engine, unit_of_work
        from commerce.models import UserRole
        from commerce.orders.cart import CartSettings
        from commerce.orders.checkout import start_checkout
        from commerce.orders.pricing import CartInput
        from commerce.payments.testpay import TestPayGateway

        wiring.configure()
        gateway = TestPayGateway(SECRET, "http://127.0.0.1:9", send_event=lambda delivery: None)
        statements: collections.Counter[str] = collections.Counter()

        def count(_conn, _cursor, statement, _params, _context, _many):
            statements[" ".join(statement.split())[:110]] += 1

        engine = get_engine()
        event.listen(engine, "before_cursor_execute", count)
        counter = iter(range(10**9))

        def one_checkout() -> None:
            i = next(counter)
            actor = Actor(user_id=buyer_ids[i % len(buyer_ids)], role=UserRole.BUYER)
            with unit_of_work() as s:
                start_checkout(
                    s,
                    actor,
                    gateway,
                    items=[CartInput(product_ids[0])],
                    settings=CartSettings(None, None, "USD"),
                    base_url="http://127.0.0.1:9",
                )

        def floor() -> None:
            with unit_of_work() as s:
                s.execute(text("SELECT 1"))

        def timed(fn, n) -> float:
            start = time.perf_counter()
            for _ in range(n):
                fn()
            return (time.perf_counter() - start) / n

        def cpu(fn, n) -> float:
            """This process's CPU time per call (the client side: less sensitive to a loaded box)."""
            start = time.process_time()
            for _ in range(n):
                fn()
            return (time.process_time() - start) / n

        for _ in range(20):  # warm: imports, pool, catalogs
            one_checkout()
        floor_s = timed(floor, args.n)
        statements.clear()
        plain_s = timed(one_checkout, args.n)
        floor_cpu = cpu(floor, args.n)
        cpu_s = cpu(one_checkout, args.n)
        per_checkout = {k: v / (2 * args.n) for k, v in statements.items() if "SELECT 1" not in k}
        profiler = cProfile.Profile()
        profiler.enable()
        profiled_s = timed(one_checkout, args.n)
        profiler.disable()

    print(f"floor: a unit of work with SELECT 1: {1000 * floor_s:.2f} ms")
    print(f"start_checkout in a unit of work: {1000 * plain_s:.2f} ms ({plain_s / floor_s:.1f}x floor)")
    print(f"  under cProfile: {1000 * profiled_s:.2f} ms")
    print(f"client CPU per checkout: {1000 * cpu_s:.2f} ms (floor {1000 * floor_cpu:.2f} ms)")
    print(
        f"SQL statements per checkout: {sum(per_checkout.values()):.1f}"
        " (the pool's pre-ping, BEGIN and COMMIT are round trips too, not counted here)"
    )
    for statement, n in sorted(per_checkout.items(), key=lambda kv: -kv[1]):
        print(f"  {n:4.1f}  {statement}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
