"""analytics: daily pseudonymous visitor keys instead of the cookie id, and the funnel's counts

Events keep `visitor_key` (an HMAC of the cookie id and the shop under the day's salt,
`analytics_salts`) instead of the cookie id itself. Existing ids are turned into keys under
one random salt per day that this migration makes and forgets, so a visitor's events of one
day still match each other and nothing matches them across days. The days that had events
are marked for a rollup, which counts their funnel (`reached_*`).

Revision ID: 0028
Revises: 0027
"""

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REACHED = ("reached_view", "reached_cart", "reached_checkout", "reached_purchase")


def _day(value) -> date:
    if isinstance(value, datetime):
        return (value if value.tzinfo is None else value.astimezone(UTC)).date()
    return date.fromisoformat(str(value)[:10])  # SQLite keeps UTC text


def _pseudonymise(connection) -> None:
    salts: dict[date, bytes] = {}
    keys: list[dict] = []
    days: set[tuple[int, date]] = set()
    rows = connection.execute(sa.text("SELECT id, shop_id, occurred_at, visitor_id FROM analytics_events"))
    for event_id, shop_id, occurred_at, visitor_id in rows:
        day = _day(occurred_at)
        days.add((shop_id, day))
        if visitor_id:
            salt = salts.setdefault(day, secrets.token_bytes(32))
            key = hmac.new(salt, f"{shop_id}:{visitor_id}".encode(), hashlib.sha256).hexdigest()[:32]
            keys.append({"id": event_id, "key": key})
    if keys:
        connection.execute(sa.text("UPDATE analytics_events SET visitor_key = :key WHERE id = :id"), keys)
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
        "analytics_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    with op.batch_alter_table("analytics_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visitor_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    _pseudonymise(op.get_bind())
    with op.batch_alter_table("analytics_events", schema=None) as batch_op:
        batch_op.drop_column("visitor_id")
    with op.batch_alter_table("analytics_shop_rollups", schema=None) as batch_op:
        for name in REACHED:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("analytics_shop_rollups", schema=None) as batch_op:
        for name in REACHED:
            batch_op.drop_column(name)
    # The cookie ids are gone; keys cannot be turned back into them.
    with op.batch_alter_table("analytics_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visitor_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.drop_column("visitor_key")
    op.drop_table("analytics_salts")
