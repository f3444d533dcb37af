"""i18n: a person's chosen language (users.language) and the language an order was placed in (orders.language)

Emails go out in the recipient's language: the saved choice for account emails, the
order's language (captured at checkout, guests included) for receipts and refunds.

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANGUAGES = "'en', 'de', 'fr', 'es', 'ja', 'ar'"


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))
        batch_op.create_check_constraint("ck_users_language", f"language IN ({LANGUAGES})")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=False, server_default="en"))
        batch_op.create_check_constraint("ck_orders_language", f"language IN ({LANGUAGES})")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.alter_column("language", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint("ck_orders_language", type_="check")
        batch_op.drop_column("language")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("ck_users_language", type_="check")
        batch_op.drop_column("language")
