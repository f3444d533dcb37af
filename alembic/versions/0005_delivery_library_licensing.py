"""delivery: download settings, counters and log, stamped copies, library state, key ownership and activations

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 09:38:28.843996
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "library_states",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("product_update_emails", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "delivery_policies",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("download_limit", sa.Integer(), nullable=True),
        sa.Column("link_minutes", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.PrimaryKeyConstraint("product_id"),
    )
    op.create_table(
        "download_counters",
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("reset_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.PrimaryKeyConstraint("buyer_id", "product_id"),
    )
    op.create_table(
        "library_seen",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("user_id", "product_id"),
    )
    op.create_table(
        "download_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("fulfilment_id", sa.Integer(), nullable=False),
        sa.Column("ip_prefix", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_agent", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("stamped", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["product_files.id"],
        ),
        sa.ForeignKeyConstraint(
            ["fulfilment_id"],
            ["fulfilments.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["product_versions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("download_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_download_events_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index("ix_download_events_product_created", ["product_id", "created_at"], unique=False)

    op.create_table(
        "fulfilment_deliveries",
        sa.Column("fulfilment_id", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["fulfilment_id"],
            ["fulfilments.id"],
        ),
        sa.PrimaryKeyConstraint("fulfilment_id"),
    )
    op.create_table(
        "stamped_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("fulfilment_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("blob_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["product_files.id"],
        ),
        sa.ForeignKeyConstraint(
            ["fulfilment_id"],
            ["fulfilments.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_id", "buyer_id", name="uq_stamped_copies_file_buyer"),
    )
    with op.batch_alter_table("stamped_copies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stamped_copies_buyer_id"), ["buyer_id"], unique=False)

    op.create_table(
        "license_activations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("license_key_id", sa.Integer(), nullable=False),
        sa.Column("instance", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["license_key_id"],
            ["license_keys.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("license_key_id", "instance", name="uq_license_activations_key_instance"),
    )
    with op.batch_alter_table("license_activations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_license_activations_license_key_id"), ["license_key_id"], unique=False)

    with op.batch_alter_table("license_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fulfilment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("buyer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("activation_limit", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("usage_limit", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("usage_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("replaced_by_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_license_keys_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_license_keys_fulfilment_id"), ["fulfilment_id"], unique=False)
        batch_op.create_foreign_key("fk_license_keys_buyer_id", "users", ["buyer_id"], ["id"])
        batch_op.create_foreign_key("fk_license_keys_fulfilment_id", "fulfilments", ["fulfilment_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("license_keys", schema=None) as batch_op:
        batch_op.drop_constraint("fk_license_keys_fulfilment_id", type_="foreignkey")
        batch_op.drop_constraint("fk_license_keys_buyer_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_license_keys_fulfilment_id"))
        batch_op.drop_index(batch_op.f("ix_license_keys_buyer_id"))
        batch_op.drop_column("replaced_by_id")
        batch_op.drop_column("revoked_reason")
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("usage_count")
        batch_op.drop_column("usage_limit")
        batch_op.drop_column("activation_limit")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("buyer_id")
        batch_op.drop_column("fulfilment_id")

    with op.batch_alter_table("license_activations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_license_activations_license_key_id"))

    op.drop_table("license_activations")
    with op.batch_alter_table("stamped_copies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stamped_copies_buyer_id"))

    op.drop_table("stamped_copies")
    op.drop_table("fulfilment_deliveries")
    with op.batch_alter_table("download_events", schema=None) as batch_op:
        batch_op.drop_index("ix_download_events_product_created")
        batch_op.drop_index(batch_op.f("ix_download_events_buyer_id"))

    op.drop_table("download_events")
    op.drop_table("library_seen")
    op.drop_table("download_counters")
    op.drop_table("delivery_policies")
    op.drop_table("library_states")
