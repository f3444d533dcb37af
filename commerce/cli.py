"""Operator commands: `python -m commerce.cli migrate | seed-demo | reindex | analytics-rollup |
analytics-purge | refresh-rates | seal-files | check-config | worker [--threads N]`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from alembic import command
from alembic.config import Config

from commerce import demo, storage, wiring
from commerce.analytics import rollups
from commerce.config import PROJECT_ROOT, get_settings
from commerce.db import unit_of_work
from commerce.jobs import configure_jobs, shutdown_jobs
from commerce.jobs.worker import start_worker
from commerce.orders.rates import configured_provider
from commerce.orders.tasks import refresh_exchange_rates
from commerce.search import indexer, search_index

log = logging.getLogger(__name__)


def migrate() -> None:
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", settings.database_url)
    command.upgrade(config, "heads")


def seed_demo() -> None:
    with unit_of_work() as s:
        created = demo.seed_demo(s)
    print("Demo data loaded." if created else "Demo data already present; nothing changed.")
    with unit_of_work() as s:
        if demo.seed_demo_order(s):
            print("Demo order placed and paid for the demo collector.")
    with unit_of_work() as s:
        if demo.seed_demo_payout(s):
            print("Demo payout: Inkwell Press connected TestPay payouts and was paid out.")
    index_dirty()
    print(demo.credentials_text())


def index_dirty() -> None:
    """Index what is waiting (demo data, changes whose job never ran), or everything when the
    index is empty; quick when nothing is."""
    report = indexer.catch_up(search_index())
    if report.upserted or report.deleted:
        print(f"Search index: {report.upserted} products indexed, {report.deleted} removed.")


def reindex() -> None:
    """Rebuild the search index from the catalogue."""
    report = indexer.rebuild(search_index())
    print(f"Search index rebuilt: {report.upserted} products buyers can see.")


def analytics_rollup() -> None:
    """Bring every shop's rollups up to date with its events (what the periodic job does)."""
    total = 0
    while True:
        with unit_of_work() as s:
            done = rollups.roll_up_pending(s, limit=200)
        total += done
        if done < 200:
            break
    print(f"Analytics: {total} shop day(s) rolled up.")


def analytics_purge() -> None:
    """Delete visitor events older than ANALYTICS_RETENTION_DAYS (default 90); rollups stay."""
    days = get_settings().analytics_retention_days
    with unit_of_work() as s:
        events, hourly = rollups.purge(s, retention_days=days)
    print(f"Analytics: {events} visitor event(s) older than {days} days and {hourly} hourly row(s) deleted.")


def refresh_rates() -> None:
    """Fetch EXCHANGE_RATES_URL now and update the offered currencies' rates."""
    if configured_provider() is None:
        print("EXCHANGE_RATES_URL is not set: the stored rates stay as they are.")
        return
    refresh_exchange_rates()
    print("Exchange rates refreshed.")


def seal_files() -> None:
    """Encrypt the local store's files written before BLOB_ENCRYPTION_KEY was in use."""
    store = storage.blob_store()
    seal = getattr(store, "seal_existing", None)
    if seal is None:
        print("Files are on S3, which encrypts them itself: nothing to do.")
        return
    print(f"{seal()} file(s) sealed.")


def run_worker(threads: int) -> int:
    """Consume every job of `wiring.JOBS` from Redis until SIGINT or SIGTERM (`make worker`).

    Needed only when REDIS_URL is set; without it jobs run inside the web process.
    """
    settings = get_settings()
    redis_url = settings.redis_url
    if not redis_url:
        print("REDIS_URL is not set: jobs run inside the web process, no worker is needed.", file=sys.stderr)
        return 2
    configure_jobs(redis_url, broker_options=settings.job_broker_options)
    worker = start_worker(wiring.JOBS, threads=threads)
    log.info("worker running %d job(s) with %d thread(s)", len(wiring.JOBS), threads)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    log.info("stopping: finishing the jobs in hand")
    worker.stop()
    shutdown_jobs()
    return 0


COMMANDS = {
    "migrate": migrate,
    "seed-demo": seed_demo,
    "reindex": reindex,
    "analytics-rollup": analytics_rollup,
    "analytics-purge": analytics_purge,
    "refresh-rates": refresh_rates,
    "seal-files": seal_files,
    "check-config": lambda: print("configuration ok"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m commerce.cli")
    parser.add_argument("command", choices=[*COMMANDS, "worker"])
    parser.add_argument("--threads", type=int, default=4, help="worker: jobs run at once (default 4)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    get_settings().check_production_ready()
    wiring.configure()  # seed-demo places a paid order: delivery, search and analytics must hear of it
    if args.command == "worker":
        return run_worker(args.threads)
    COMMANDS[args.command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
