"""api: the answers kept for Idempotency-Key replays are sealed at rest (api_idempotent_requests.body)

An answer may carry a secret shown once (a webhook endpoint's signing secret). The rows are
a day's replay cache, so the upgrade drops the ones kept in the clear instead of converting them.

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _replace_body(new_type) -> None:
    op.execute("DELETE FROM api_idempotent_requests")
    with op.batch_alter_table("api_idempotent_requests", schema=None) as batch_op:
        batch_op.drop_column("body")
    with op.batch_alter_table("api_idempotent_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", new_type, nullable=False))


def upgrade() -> None:
    _replace_body(sa.LargeBinary())


def downgrade() -> None:
    _replace_body(sa.Text())
