"""download log: resumed ranges are logged too, marked not counted, with the link they came on

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("download_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counted", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("link_expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("download_events", schema=None) as batch_op:
        batch_op.drop_column("link_expires_at")
        batch_op.drop_column("counted")
