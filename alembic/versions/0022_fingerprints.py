"""protection: invisible fingerprints per product, and what each personal copy carries

Revision ID: 0022
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("stamped_copies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stamped", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("marked", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("stamped_copies", schema=None) as batch_op:
        batch_op.drop_column("marked")
        batch_op.drop_column("stamped")
    with op.batch_alter_table("delivery_policies", schema=None) as batch_op:
        batch_op.drop_column("fingerprint")
