"""accounts: changing an account's email waits for a link sent to the new address
(email_change_tokens), and security activity records the change (security_events.kind)

Revision ID: 0032
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0032"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "signed_in",
    "sign_in_failed",
    "second_factor_failed",
    "recovery_code_used",
    "password_changed",
    "password_reset",
    "totp_enabled",
    "totp_disabled",
    "recovery_codes_created",
    "passkey_added",
    "passkey_removed",
    "session_ended",
    "signed_out_everywhere",
)
NEW_KINDS = (*OLD_KINDS, "email_changed")


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _kinds(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("security_events", schema=None) as batch_op:
        batch_op.drop_constraint("ck_security_events_kind", type_="check")
        batch_op.create_check_constraint("ck_security_events_kind", f"kind IN ({_listed(values)})")


def upgrade() -> None:
    op.create_table(
        "email_change_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("new_email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("email_change_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_change_tokens_user_id"), ["user_id"], unique=False)
    _kinds(NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM security_events WHERE kind = 'email_changed'")
    _kinds(OLD_KINDS)
    with op.batch_alter_table("email_change_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_change_tokens_user_id"))
    op.drop_table("email_change_tokens")
