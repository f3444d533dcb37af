"""Alembic environment: targets every SQLModel table in commerce.models."""

from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel

import commerce.models  # noqa: F401  (registers every table on SQLModel.metadata)
from commerce.config import get_settings
from commerce.db import engine_for
from commerce.models.base import EnumString, UTCDateTime

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def render_item(type_, obj, autogen_context):
    # Migrations store the plain column type; the UTC handling lives in Python.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, EnumString):
        return f"sa.String(length={obj.length})"  # the values are a CHECK constraint, not a type
    if type_ == "type" and obj.__class__.__module__.startswith("sqlmodel"):
        autogen_context.imports.add("import sqlmodel")
    return False


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_sqlite_migrations(connection) -> None:
    """Migrate with SQLite's foreign keys unenforced, then check them all before committing.

    Batch mode rebuilds a table by copy, drop and rename, and an enforcing SQLite refuses
    to drop a table that other rows point at. The switch is ignored inside a transaction,
    so it is thrown before the migrations' transaction and thrown back after it.
    """
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    run_migrations(connection)
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration left rows pointing at missing rows (table, rowid, parent, key): {broken}")
    connection.commit()
    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    connection.commit()


connection = config.attributes.get("connection")
if connection is not None:
    # The caller owns the connection and its transaction (the tests, on empty databases).
    run_migrations(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    with engine_for(url).connect() as connection:
        if connection.dialect.name == "sqlite":
            run_sqlite_migrations(connection)
        else:
            run_migrations(connection)
            connection.commit()
