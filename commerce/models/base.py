"""Column types shared by every table."""

from collections.abc import Iterable
from datetime import UTC
from enum import Enum, StrEnum
from typing import Protocol, TypeVar

from sqlalchemy import CheckConstraint, DateTime, String
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database.

    SQLite drops the offset on the way back; PostgreSQL keeps it. Reading both
    back as aware UTC lets services compare times without caring which one runs.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EnumString(TypeDecorator):
    """A closed set of values (a `StrEnum`) stored as a plain VARCHAR of its values.

    Not a database enum type: the stored strings are the enum's values, so rows
    written before the enum existed read back unchanged, and adding a value is a new
    CHECK constraint (`one_of`) rather than an ALTER TYPE. Rows read back as members.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.enum = enum
        self.length = length

    def process_bind_param(self, value, dialect):
        # Plain strings pass through (a filter on an unknown value finds nothing);
        # the CHECK constraint is what refuses a stored value outside the enum.
        return value.value if isinstance(value, Enum) else value

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum(value)


def one_of(table: str, column: str, enum: type[StrEnum]) -> CheckConstraint:
    """The database refuses a value of `column` outside `enum` (NULL passes, as SQL's CHECK does)."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return CheckConstraint(f"{column} IN ({values})", name=f"ck_{table}_{column}")


class _Row(Protocol):
    id: int | None


def saved_id(row: _Row) -> int:
    """The id of a row that is in the database (read from it, or added and flushed).

    Tables type `id` as `int | None` because a new row has none until its INSERT;
    every row a service reads or has flushed has one.
    """
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: add it to the session and flush first")
    return row.id


R = TypeVar("R", bound=_Row)


def by_id(rows: Iterable[R]) -> dict[int, R]:
    """Rows read from the database, keyed by their id."""
    return {saved_id(row): row for row in rows}


def primary_key(value: int | None) -> int:
    """An id selected from a primary-key column (`select(Product.id)`): SQLModel types it as
    optional, like the attribute, though the database never returns NULL for it."""
    if value is None:
        raise ValueError("a primary key read back as NULL")
    return value
