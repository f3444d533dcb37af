"""Migrations: head builds the schema on an empty database of each kind, with no drift."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import commerce.models  # noqa: F401


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
