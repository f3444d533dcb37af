"""catalog: tags, images, versions, files, license keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 11:45:06.956167
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "license_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("lookup_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sold_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_id", "lookup_hash", name="uq_license_keys_product_lookup"),
    )
    with op.batch_alter_table("license_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_license_keys_order_line_id"), ["order_line_id"], unique=False)
        batch_op.create_index("ix_license_keys_product_status", ["product_id", "status"], unique=False)

    op.create_table(
        "license_policies",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("activation_limit", sa.Integer(), nullable=True),
        sa.Column("expiry_days", sa.Integer(), nullable=True),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.PrimaryKeyConstraint("product_id"),
    )
    op.create_table(
        "product_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("key_400", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("key_800", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("key_1600", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("product_images", schema=None) as batch_op:
        batch_op.create_index("ix_product_images_product_role", ["product_id", "role", "position"], unique=False)

    op.create_table(
        "product_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_id", "tag", name="uq_product_tags_product_tag"),
    )
    with op.batch_alter_table("product_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_tags_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_tags_tag"), ["tag"], unique=False)

    op.create_table(
        "product_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("release_notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_id", "number", name="uq_product_versions_number"),
    )
    with op.batch_alter_table("product_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_versions_product_id"), ["product_id"], unique=False)

    op.create_table(
        "product_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("blob_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("stamp_pdf", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
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
    with op.batch_alter_table("product_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_files_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_files_version_id"), ["version_id"], unique=False)

    with op.batch_alter_table("products", schema=None) as batch_op:
        # Existing rows (the demo products) deliver files and still need indexing.
        batch_op.add_column(
            sa.Column(
                "delivery_kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default="files"
            )
        )
        batch_op.add_column(sa.Column("search_dirty", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_products_search_dirty"), ["search_dirty"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_search_dirty"))
        batch_op.drop_column("indexed_at")
        batch_op.drop_column("search_dirty")
        batch_op.drop_column("delivery_kind")

    with op.batch_alter_table("product_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_files_version_id"))
        batch_op.drop_index(batch_op.f("ix_product_files_product_id"))

    op.drop_table("product_files")
    with op.batch_alter_table("product_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_versions_product_id"))

    op.drop_table("product_versions")
    with op.batch_alter_table("product_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_tags_tag"))
        batch_op.drop_index(batch_op.f("ix_product_tags_product_id"))

    op.drop_table("product_tags")
    with op.batch_alter_table("product_images", schema=None) as batch_op:
        batch_op.drop_index("ix_product_images_product_role")

    op.drop_table("product_images")
    op.drop_table("license_policies")
    with op.batch_alter_table("license_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_license_keys_product_status")
        batch_op.drop_index(batch_op.f("ix_license_keys_order_line_id"))

    op.drop_table("license_keys")
