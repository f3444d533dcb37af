"""flags: feature flags rolled out by admins; notifications: browsers' Web Push subscriptions

Revision ID: 0024
Revises: 0032
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0024"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feature_flags",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("rollout", sa.String(length=10), nullable=False),
        sa.Column("percentage", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rollout IN ('everyone', 'nobody', 'accounts', 'percentage')", name="ck_feature_flags_rollout"
        ),
        sa.CheckConstraint("percentage BETWEEN 0 AND 100", name="ck_feature_flags_percentage"),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("p256dh", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("auth", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("device", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("endpoint"),
    )
    with op.batch_alter_table("push_subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_push_subscriptions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "feature_flag_accounts",
        sa.Column("flag_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flag_key"],
            ["feature_flags.key"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("flag_key", "user_id"),
    )
    with op.batch_alter_table("feature_flag_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feature_flag_accounts_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feature_flag_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feature_flag_accounts_user_id"))

    op.drop_table("feature_flag_accounts")
    with op.batch_alter_table("push_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_subscriptions_user_id"))

    op.drop_table("push_subscriptions")
    op.drop_table("feature_flags")
