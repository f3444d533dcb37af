"""orders: an index on paid_at (the sweep for sales whose counting job was lost reads recent payments)

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_orders_paid_at", "orders", ["paid_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_orders_paid_at", table_name="orders")
