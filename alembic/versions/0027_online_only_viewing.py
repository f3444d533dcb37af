"""delivery: online-only viewing, per product (delivery_policies.online_only) or per file
(product_files.online_only)

Revision ID: 0027
Revises: 0032
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("online_only", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("product_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("online_only", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("product_files", schema=None) as batch_op:
        batch_op.drop_column("online_only")
    with op.batch_alter_table("delivery_policies", schema=None) as batch_op:
        batch_op.drop_column("online_only")
