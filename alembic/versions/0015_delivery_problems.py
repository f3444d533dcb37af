"""delivery: paid products that could not be delivered, refunded and shown (delivery_problems)

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_problems",
        sa.Column("fulfilment_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("refunded_amount", sa.Integer(), nullable=False),
        sa.Column("refund_error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["fulfilment_id"], ["fulfilments.id"]),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_lines.id"]),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"]),
        sa.PrimaryKeyConstraint("fulfilment_id"),
    )
    with op.batch_alter_table("delivery_problems", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_problems_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_problems_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_problems_shop_id"), ["shop_id"], unique=False)


def downgrade() -> None:
    op.drop_table("delivery_problems")
