"""catalog: sellers' translations of a product's title, summary and description, one per language

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=280), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("lang IN ('de', 'fr', 'es', 'ja', 'ar')", name="ck_product_translations_lang"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_id", "lang", name="uq_product_translations_product_lang"),
    )
    with op.batch_alter_table("product_translations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_translations_product_id"), ["product_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("product_translations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_translations_product_id"))
    op.drop_table("product_translations")
