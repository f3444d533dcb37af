"""privacy: export and erasure requests, erased accounts, SMS numbers and billing countries encrypted

Revision ID: 0017
Revises: 0016

The SMS number and the billing countries of carts and orders become AES-256-GCM
ciphertext (`commerce.models.sealed`): each existing value is encrypted here with the
deployment's LICENSE_ENCRYPTION_KEY, which must therefore be set when this runs.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from commerce.models.sealed import seal, unseal

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = (("users", "sms_number", 16), ("carts", "billing_country", 2), ("orders", "billing_country", 2))


def _convert(table: str, column: str, new_type, convert) -> None:
    staged = f"{column}_staged"
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column(staged, new_type, nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")).all()
    for row_id, value in rows:
        bind.execute(
            sa.text(f"UPDATE {table} SET {staged} = :value WHERE id = :id"),
            {"value": convert(f"{table}.{column}", value), "id": row_id},
        )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_column(column)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column(staged, new_column_name=column)


def upgrade() -> None:
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blob_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.CheckConstraint("kind IN ('export', 'erasure')", name="ck_privacy_requests_kind"),
        sa.CheckConstraint(
            "status IN ('pending', 'ready', 'expired', 'failed', 'done')", name="ck_privacy_requests_status"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("privacy_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_requests_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_privacy_requests_requested_at"), ["requested_at"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    for table, column, _ in SEALED:
        _convert(table, column, sa.LargeBinary(), lambda purpose, value: seal(purpose, value))


def downgrade() -> None:
    for table, column, length in SEALED:
        _convert(
            table,
            column,
            sqlmodel.sql.sqltypes.AutoString(length=length),
            lambda purpose, value: unseal(purpose, bytes(value)),
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
    op.drop_table("privacy_requests")
