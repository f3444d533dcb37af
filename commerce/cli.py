"""Operator commands: `python -m commerce.cli migrate | seed-demo | reindex | analytics-rollup |
analytics-purge | refresh-rates | seal-files | vapid-key | check-config | worker [--threads N] [--metrics-port P] |
backup DEST | restore SOURCE [--force] | rotate-keys | rotate-blob-key` (docs/operations.md)."""

from __future__ import annotations

import argparse
import base64
import logging
import secrets
import signal
import sys
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from commerce import demo, storage, wiring
from commerce.analytics import rollups
from commerce.config import PROJECT_ROOT, get_settings
from commerce.db import unit_of_work
from commerce.jobs import configure_jobs, shutdown_jobs
from commerce.jobs.worker import start_worker
from commerce.notifications import push
from commerce.observability import metrics
from commerce.observability.start import start_observability
from commerce.operations import backups, key_rotation
from commerce.orders.rates import configured_provider
from commerce.orders.tasks import refresh_exchange_rates
from commerce.search import indexer, search_index

log = logging.getLogger(__name__)


def _alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", get_settings().database_url)
    # Alembic's lines go through the app's logging (JSON in production), not alembic.ini's.
    config.attributes["configure_logging"] = False
    return config


def migrate() -> None:
    get_settings().data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(_alembic_config(), "heads")


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


def rotate_blob_key() -> None:
    """Re-encrypt the local store's files sealed with a key in BLOB_ENCRYPTION_PREVIOUS_KEYS
    under BLOB_ENCRYPTION_KEY, while the app serves them with both keys."""
    store = storage.blob_store()
    reseal = getattr(store, "reseal_with_current_key", None)
    if reseal is None:
        print("Files are on S3, which encrypts them itself: nothing to do.")
        return
    if not get_settings().blob_previous_keys:
        raise key_rotation.NothingToRotate(
            "BLOB_ENCRYPTION_PREVIOUS_KEYS is empty: deploy the new BLOB_ENCRYPTION_KEY with the old one "
            "listed there first (docs/operations.md, Rotating secrets)."
        )

    def progress(done: int) -> None:
        if done % 500 == 0:
            log.info("%d file(s) re-encrypted", done)

    count = reseal(on_progress=progress)
    print(
        f"Done: {count} file(s) now use BLOB_ENCRYPTION_KEY. Remove the retired key from "
        "BLOB_ENCRYPTION_PREVIOUS_KEYS (and keep it with the backups made before today)."
    )


def vapid_key() -> None:
    """A new Web Push key pair: the private key for VAPID_PRIVATE_KEY, and its public key."""
    private_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    print(f"VAPID_PRIVATE_KEY={private_key}")
    print(f"# public key (browsers receive it from the account page): {push.public_key(private_key)}")


def known_revisions() -> set[str]:
    """The schema revisions this code's migrations know."""
    return {script.revision for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def backup(dest: str) -> None:
    """Back up the embedded SQLite database and the data folder into one archive."""
    report = backups.backup(get_settings(), Path(dest))
    print(
        f"Backup written to {report.archive}: the database (schema {report.schema_revision}) "
        f"and {report.files} file(s), {report.bytes} bytes before compression."
    )


def restore(source: str, *, force: bool) -> None:
    """Restore an archive of `backup` into DATA_DIR (empty, or replaced with --force), then
    rebuild the search index from the restored database."""
    report = backups.restore(get_settings(), Path(source), known_revisions=known_revisions(), force=force)
    print(f"Restored the database (schema {report.schema_revision}) and {report.files} file(s) into {report.data_dir}.")
    migrate()
    reindex()


def rotate_keys() -> None:
    """Re-encrypt every secret at rest under LICENSE_ENCRYPTION_KEY, in batches, while the
    app runs with the retired key in LICENSE_ENCRYPTION_PREVIOUS_KEYS."""
    report = key_rotation.rotate(on_batch=lambda table, done: log.info("%s: %d row(s) re-encrypted", table, done))
    for table, rows in report.rows_by_table.items():
        print(f"{table}: {rows} row(s) re-encrypted")
    print(
        f"Done: {report.total} row(s) now use LICENSE_ENCRYPTION_KEY. Remove the retired key from "
        "LICENSE_ENCRYPTION_PREVIOUS_KEYS (and keep it with the backups made before today)."
    )


def run_worker(threads: int, metrics_port: int = 0, metrics_addr: str = "127.0.0.1") -> int:
    """Consume every job of `wiring.JOBS` from Redis until SIGINT or SIGTERM (`make worker`).

    Needed only when REDIS_URL is set; without it jobs run inside the web process.
    """
    settings = get_settings()
    redis_url = settings.redis_url
    if not redis_url:
        print("REDIS_URL is not set: jobs run inside the web process, no worker is needed.", file=sys.stderr)
        return 2
    configure_jobs(redis_url, broker_options=settings.job_broker_options)
    if metrics_port:
        # A worker alone on its host; beside a web process sharing PROMETHEUS_MULTIPROC_DIR
        # its figures are already in that process's /metrics.
        metrics.serve(metrics_port, metrics_addr)
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
    "vapid-key": vapid_key,
    "check-config": lambda: print("configuration ok"),
    "rotate-keys": rotate_keys,
    "rotate-blob-key": rotate_blob_key,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m commerce.cli")
    parser.add_argument("command", choices=[*COMMANDS, "worker", "backup", "restore"])
    parser.add_argument("path", nargs="?", help="backup: the archive (or a folder for it); restore: the archive")
    parser.add_argument("--threads", type=int, default=4, help="worker: jobs run at once (default 4)")
    parser.add_argument(
        "--metrics-port", type=int, default=0, help="worker: serve Prometheus metrics on this port (default: off)"
    )
    parser.add_argument("--metrics-addr", default="127.0.0.1", help="worker: address of --metrics-port")
    parser.add_argument("--force", action="store_true", help="restore: replace the data already in DATA_DIR")
    args = parser.parse_args(argv)
    if args.command in {"backup", "restore"} and not args.path:
        parser.error(f"{args.command} needs a path: python -m commerce.cli {args.command} PATH")
    # Log lines as the web process writes them (JSON in production); Sentry when configured.
    start_observability(get_settings())
    get_settings().check_production_ready()
    wiring.configure()  # seed-demo places a paid order: delivery, search and analytics must hear of it
    if args.command == "worker":
        return run_worker(args.threads, args.metrics_port, args.metrics_addr)
    try:
        if args.command == "backup":
            backup(args.path)
        elif args.command == "restore":
            restore(args.path, force=args.force)
        else:
            COMMANDS[args.command]()
    except (backups.BackupError, key_rotation.NothingToRotate) as error:
        print(error.message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
