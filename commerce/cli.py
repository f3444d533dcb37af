"""Operator commands: `python -m commerce.cli migrate | seed-demo | check-config`."""

from __future__ import annotations

import argparse
import sys

from commerce.config import PROJECT_ROOT, get_settings


def migrate() -> None:
    from alembic import command
    from alembic.config import Config

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", settings.database_url)
    command.upgrade(config, "heads")


def seed_demo() -> None:
    from commerce.db import unit_of_work
    from commerce.demo import credentials_text, seed_demo as load

    with unit_of_work() as s:
        created = load(s)
    print("Demo data loaded." if created else "Demo data already present; nothing changed.")
    print(credentials_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m commerce.cli")
    parser.add_argument("command", choices=["migrate", "seed-demo", "check-config"])
    args = parser.parse_args(argv)
    get_settings().check_production_ready()
    {"migrate": migrate, "seed-demo": seed_demo, "check-config": lambda: print("configuration ok")}[args.command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
