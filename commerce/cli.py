"""Operator commands: `python -m commerce.cli migrate | seed-demo | reindex | analytics-rollup |
analytics-purge | refresh-rates | check-config`."""

from __future__ import annotations

import argparse
import sys

from commerce.config import PROJECT_ROOT, get_settings
from commerce.jobs.worker import load_job_modules


def migrate() -> None:
    from alembic.config import Config

    from alembic import command

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", settings.database_url)
    command.upgrade(config, "heads")


def seed_demo() -> None:
    from commerce.db import unit_of_work
    from commerce.demo import credentials_text, seed_demo_order
    from commerce.demo import seed_demo as load

    with unit_of_work() as s:
        created = load(s)
    print("Demo data loaded." if created else "Demo data already present; nothing changed.")
    with unit_of_work() as s:
        if seed_demo_order(s):
            print("Demo order placed and paid for the demo collector.")
    index_dirty()
    print(credentials_text())


def index_dirty() -> None:
    """Index what is waiting (demo data, changes whose job never ran); quick when nothing is."""
    from commerce import wiring
    from commerce.search.indexer import reindex_dirty

    report = reindex_dirty(wiring.search_index())
    if report.upserted or report.deleted:
        print(f"Search index: {report.upserted} products indexed, {report.deleted} removed.")


def reindex() -> None:
    """Rebuild the search index from the catalogue."""
    from commerce import wiring
    from commerce.search.indexer import rebuild

    report = rebuild(wiring.search_index())
    print(f"Search index rebuilt: {report.upserted} products buyers can see.")


def analytics_rollup() -> None:
    """Bring every shop's rollups up to date with its events (what the periodic job does)."""
    from commerce.analytics.rollups import roll_up_pending
    from commerce.db import unit_of_work

    total = 0
    while True:
        with unit_of_work() as s:
            done = roll_up_pending(s, limit=200)
        total += done
        if done < 200:
            break
    print(f"Analytics: {total} shop day(s) rolled up.")


def analytics_purge() -> None:
    """Delete visitor events older than ANALYTICS_RETENTION_DAYS (default 90); rollups stay."""
    from commerce.analytics.rollups import purge
    from commerce.db import unit_of_work

    days = get_settings().analytics_retention_days
    with unit_of_work() as s:
        events, hourly = purge(s, retention_days=days)
    print(f"Analytics: {events} visitor event(s) older than {days} days and {hourly} hourly row(s) deleted.")


def refresh_rates() -> None:
    """Fetch EXCHANGE_RATES_URL now and update the offered currencies' rates."""
    from commerce.orders.rates import configured_provider
    from commerce.orders.tasks import refresh_exchange_rates

    if configured_provider() is None:
        print("EXCHANGE_RATES_URL is not set: the stored rates stay as they are.")
        return
    refresh_exchange_rates()
    print("Exchange rates refreshed.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m commerce.cli")
    parser.add_argument(
        "command",
        choices=[
            "migrate",
            "seed-demo",
            "reindex",
            "analytics-rollup",
            "analytics-purge",
            "refresh-rates",
            "check-config",
        ],
    )
    args = parser.parse_args(argv)
    get_settings().check_production_ready()
    load_job_modules()  # seed-demo places a paid order: delivery, search and analytics must hear of it
    commands = {
        "migrate": migrate,
        "seed-demo": seed_demo,
        "reindex": reindex,
        "analytics-rollup": analytics_rollup,
        "analytics-purge": analytics_purge,
        "refresh-rates": refresh_rates,
        "check-config": lambda: print("configuration ok"),
    }
    commands[args.command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
