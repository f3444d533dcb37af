"""Migrations: head builds the schema on an empty database of each kind, with no drift."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, inspect, text
from sqlmodel import SQLModel

import commerce.models  # noqa: F401
from commerce.config import PROJECT_ROOT
from commerce.db import engine_for


def test_upgrade_head_creates_every_table(db_engine):
    tables = set(inspect(db_engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables


def test_models_and_migrations_agree(db_engine):
    """What `alembic check` reports: no difference between models and migrated schema."""
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_category_tree_is_seeded(db_engine):
    with db_engine.connect() as connection:
        slugs = {row[0] for row in connection.execute(text("SELECT slug FROM categories"))}
    assert {"ebooks", "courses", "software", "templates", "music", "fonts", "graphics", "video"} <= slugs


def test_check_constraints_of_models_and_migrations_agree(db_engine):
    """`compare_metadata` leaves CHECK constraints out: every one a model declares is in the
    migrated schema under its name, and the schema has none the models do not declare."""
    inspector = inspect(db_engine)
    for table in SQLModel.metadata.sorted_tables:
        declared = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        migrated = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert migrated == declared, table.name


def test_sqlite_upgrade_keeps_rows_other_rows_point_at(tmp_path):
    """`migrate` on an existing SQLite database: batch mode rebuilds tables that other rows
    point at (a buyer's orders point at the buyer), and every row and link survives."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logging"] = False
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0009")
    engine = engine_for(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, email, display_name, password_hash, role, created_at) "
                "VALUES (1, 'b@example.com', 'B', 'x', 'buyer', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO orders (reference, buyer_id, email, currency, subtotal, discount, tax, total, "
                "refunded_amount, status, created_at) "
                "VALUES ('ORD-1', 1, 'b@example.com', 'EUR', 100, 0, 0, 100, 0, 'paid', '2026-01-01 00:00:00')"
            )
        )

    command.upgrade(config, "heads")

    with engine.connect() as connection:
        assert connection.execute(text("SELECT reference, status FROM orders")).all() == [("ORD-1", "paid")]
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_sqlite_upgrade_to_incremental_rollups_counts_old_events_as_rolled_up(tmp_path):
    """0029 on existing events: they count as rolled up (the rollups have them), and last
    week's shop days are marked for one recompute, which fills in their visitors."""
    from datetime import UTC, datetime, timedelta

    url = f"sqlite:///{tmp_path / 'app.db'}"
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logging"] = False
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0028")
    engine = engine_for(url)
    recent = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    old = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, email, display_name, password_hash, role, created_at) "
                "VALUES (1, 's@example.com', 'S', 'x', 'seller', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO shops (id, owner_id, slug, name, bio, currency, take_rate_bps, created_at) "
                "VALUES (1, 1, 's', 'S', '', 'USD', 500, '2026-01-01 00:00:00')"
            )
        )
        for at in (recent, old):
            connection.execute(
                text(
                    "INSERT INTO analytics_events (kind, occurred_at, shop_id, device, units, revenue, gross) "
                    "VALUES ('view', :at, 1, 'phone', 0, 0, 0)"
                ),
                {"at": at},
            )

    command.upgrade(config, "heads")

    with engine.connect() as connection:
        assert connection.execute(text("SELECT rolled_up FROM analytics_events")).scalars().all() == [1, 1]
        assert connection.execute(text("SELECT shop_id, day FROM analytics_pending_rollups")).all() == [
            (1, recent[:10])
        ]
    engine.dispose()
