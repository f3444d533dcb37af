"""orders: the receipt's one-time "Access your purchase" links

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_access_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("order_access_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_access_links_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_access_links_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("order_access_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_access_links_user_id"))
        batch_op.drop_index(batch_op.f("ix_order_access_links_order_id"))
    op.drop_table("order_access_links")
