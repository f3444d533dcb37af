"""delivery: online-only viewing, per product (delivery_policies.online_only) or per file
(product_files.online_only); and the seller's protection as one choice per product
(delivery_policies.protection: none, stamp, mark or both), replacing the per-file
stamp (product_files.stamp_pdf) and the per-product fingerprint switch

Revision ID: 0027
Revises: 0026
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROTECTIONS = ("none", "stamp", "mark", "both")


def upgrade() -> None:
    with op.batch_alter_table("delivery_policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("online_only", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("protection", sa.String(length=8), server_default="none", nullable=False))
        batch_op.create_check_constraint(
            "ck_delivery_policies_protection", "protection IN ({})".format(", ".join(f"'{p}'" for p in PROTECTIONS))
        )
    with op.batch_alter_table("product_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("online_only", sa.Boolean(), server_default=sa.false(), nullable=False))
    # A product with any PDF stamped keeps stamping (now every PDF of it); fingerprints stay on.
    op.execute(
        "INSERT INTO delivery_policies (product_id, download_limit, link_minutes, fingerprint, updated_at) "
        "SELECT p.id, NULL, 60, false, CURRENT_TIMESTAMP FROM products p "
        "WHERE EXISTS (SELECT 1 FROM product_files f WHERE f.product_id = p.id AND f.stamp_pdf) "
        "AND NOT EXISTS (SELECT 1 FROM delivery_policies d WHERE d.product_id = p.id)"
    )
    stamps = "EXISTS (SELECT 1 FROM product_files f WHERE f.product_id = delivery_policies.product_id AND f.stamp_pdf)"
    op.execute(
        "UPDATE delivery_policies SET protection = CASE "
        f"WHEN fingerprint AND {stamps} THEN 'both' "
        f"WHEN {stamps} THEN 'stamp' "
        "WHEN fingerprint THEN 'mark' ELSE 'none' END"
    )
    with op.batch_alter_table("delivery_policies", schema=None) as batch_op:
        batch_op.drop_column("fingerprint")
    with op.batch_alter_table("product_files", schema=None) as batch_op:
        batch_op.drop_column("stamp_pdf")


def downgrade() -> None:
    with op.batch_alter_table("product_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stamp_pdf", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("delivery_policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE delivery_policies SET fingerprint = protection IN ('mark', 'both')")
    op.execute(
        "UPDATE product_files SET stamp_pdf = content_type = 'application/pdf' AND EXISTS (SELECT 1 FROM "
        "delivery_policies d WHERE d.product_id = product_files.product_id AND d.protection IN ('stamp', 'both'))"
    )
    with op.batch_alter_table("product_files", schema=None) as batch_op:
        batch_op.drop_column("online_only")
    with op.batch_alter_table("delivery_policies", schema=None) as batch_op:
        batch_op.drop_constraint("ck_delivery_policies_protection", type_="check")
        batch_op.drop_column("protection")
        batch_op.drop_column("online_only")
