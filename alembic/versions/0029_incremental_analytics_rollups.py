"""analytics: rollups add each new event once instead of recomputing shop days

`analytics_events.rolled_up` says whether the rollup job has added an event (a partial
index finds the ones it has not); `analytics_day_visitors` keeps each visitor's furthest
funnel step and viewed hours per shop day, so an event counts a visitor only when the
visitor is new or goes further. Events already there count as rolled up; the shop days of
the last week are marked for one recompute, which fills in their visitors.

Revision ID: 0029
Revises: 0028
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Purchases of a paid order are counted up to a week late (`analytics.paid.SWEEP_WINDOW`).
RECENT_DAYS = 8


def _day(value) -> date:
    if isinstance(value, datetime):
        return (value if value.tzinfo is None else value.astimezone(UTC)).date()
    return date.fromisoformat(str(value)[:10])  # SQLite keeps UTC text


def _mark_recent_days(connection) -> None:
    since = datetime.now(UTC) - timedelta(days=RECENT_DAYS)
    rows = connection.execute(
        sa.text("SELECT DISTINCT shop_id, occurred_at FROM analytics_events WHERE occurred_at >= :since"),
        {"since": since if connection.dialect.name == "postgresql" else since.strftime("%Y-%m-%d %H:%M:%S")},
    )
    days = {(shop_id, _day(at)) for shop_id, at in rows}
    pending = {
        (shop_id, _day(day))
        for shop_id, day in connection.execute(sa.text("SELECT shop_id, day FROM analytics_pending_rollups"))
    }
    marks = [{"shop_id": shop_id, "day": day} for shop_id, day in days - pending]
    if marks:
        connection.execute(
            sa.text("INSERT INTO analytics_pending_rollups (shop_id, day, version) VALUES (:shop_id, :day, 1)"), marks
        )


def upgrade() -> None:
    op.create_table(
        "analytics_day_visitors",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visitor", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("furthest", sa.Integer(), nullable=False),
        sa.Column("view_hours", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"]),
        sa.PrimaryKeyConstraint("shop_id", "day", "visitor"),
    )
    # Existing events are in the rollups already; new ones start out not rolled up.
    with op.batch_alter_table("analytics_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rolled_up", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("analytics_events", schema=None) as batch_op:
        batch_op.alter_column("rolled_up", server_default=sa.false())
    op.create_index(
        "ix_analytics_events_unrolled",
        "analytics_events",
        ["id"],
        unique=False,
        postgresql_where=sa.text("NOT rolled_up"),
        sqlite_where=sa.text("rolled_up = 0"),
    )
    _mark_recent_days(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_analytics_events_unrolled", table_name="analytics_events")
    with op.batch_alter_table("analytics_events", schema=None) as batch_op:
        batch_op.drop_column("rolled_up")
    op.drop_table("analytics_day_visitors")
