"""Statuses, roles and kinds are closed sets: the database itself refuses any other value.

The columns are VARCHARs holding the enums' values, guarded by CHECK constraints; a row
written by anything but the services (a hand-written query, an old worker) still cannot
hold a status the code does not know.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Boolean, Date, DateTime, Integer, LargeBinary, Numeric, String, Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

import commerce.models  # noqa: F401  (registers every table)
from commerce.models.base import EnumString

ENUM_COLUMNS = [
    (table, column)
    for table in SQLModel.metadata.sorted_tables
    for column in table.columns
    if isinstance(column.type, EnumString)
]


def _placeholder(column):
    """Any value the column's type takes; foreign keys are checked after CHECK constraints."""
    kind = column.type
    if isinstance(kind, EnumString):
        return next(iter(kind.enum)).value
    if isinstance(kind, TypeDecorator):  # UTCDateTime, SQLModel's AutoString
        kind = kind.impl_instance
    for sa_type, value in (
        (Boolean, False),
        (DateTime, datetime(2026, 1, 1, tzinfo=UTC)),
        (Date, date(2026, 1, 1)),
        (Numeric, Decimal(1)),
        (Integer, 1),
        (LargeBinary, b"x"),
        (String, "x"),
    ):
        if isinstance(kind, sa_type):
            return value
    raise TypeError(f"no placeholder for {column}")


def _row_with(table: Table, column_name: str, value: str) -> dict:
    row = {c.name: _placeholder(c) for c in table.columns if not c.nullable and c is not table.autoincrement_column}
    row[column_name] = value
    return row


@pytest.mark.parametrize(("table", "column"), ENUM_COLUMNS, ids=[f"{t.name}.{c.name}" for t, c in ENUM_COLUMNS])
def test_the_database_refuses_a_value_outside_the_enum(s, table, column):
    connection = s.connection()
    with pytest.raises(IntegrityError) as refused, connection.begin_nested():
        connection.execute(table.insert().values(_row_with(table, column.name, "bogus")))
    # The CHECK constraint refused it, not a missing parent row or a NOT NULL column.
    assert f"ck_{table.name}_{column.name}" in str(refused.value.orig)


def test_every_status_role_and_kind_column_is_guarded():
    assert {f"{t.name}.{c.name}" for t, c in ENUM_COLUMNS} >= {
        "users.role",
        "products.status",
        "products.moderation_status",
        "orders.status",
        "order_transitions.to_status",
        "fulfilments.status",
        "license_keys.status",
        "webhook_events.outcome",
    }
