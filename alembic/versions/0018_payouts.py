"""payouts: connected payout accounts, the payout schedule, payouts and their ledger items

Ledger transactions may now name no order line (payouts and transfer reversals) and point
at the payout that settled them; new ledger kinds and the seller_payouts account.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("sale", "refund", "dispute")
NEW_KINDS = (*OLD_KINDS, "payout", "payout_fail", "reversal")
OLD_ACCOUNTS = (
    "buyer_payment",
    "platform_commission",
    "gateway_fee",
    "tax_collected",
    "seller_earnings",
    "dispute_hold",
)
NEW_ACCOUNTS = (*OLD_ACCOUNTS, "seller_payouts")


def _listed(values: Sequence[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade() -> None:
    op.create_table(
        "payout_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("account_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("requirements", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("disabled_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("bank_account_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("bank_label", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('details_needed', 'restricted', 'enabled')", name="ck_payout_accounts_status"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "account_id", name="uq_payout_accounts_provider_account"),
        sa.UniqueConstraint("shop_id"),
    )
    op.create_table(
        "payout_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interval", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("minimum_major", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("interval IN ('daily', 'weekly')", name="ck_payout_schedule_interval"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "payouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("payout_account_id", sa.Integer(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("transfer_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("bank_payout_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("reversed_amount", sa.Integer(), nullable=False),
        sa.Column("failure_message", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("run_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'in_transit', 'paid', 'failed')", name="ck_payouts_status"),
        sa.ForeignKeyConstraint(["payout_account_id"], ["payout_accounts.id"]),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payouts_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payouts_status"), ["status"], unique=False)
    op.create_table(
        "connect_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("account_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "event_id", name="uq_connect_events_provider_event"),
    )
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.alter_column("order_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("order_line_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("payout_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_ledger_transactions_payout_id"), ["payout_id"], unique=False)
        batch_op.create_foreign_key("fk_ledger_transactions_payout_id_payouts", "payouts", ["payout_id"], ["id"])
        batch_op.drop_constraint("ck_ledger_transactions_kind", type_="check")
        batch_op.create_check_constraint("ck_ledger_transactions_kind", f"kind IN ({_listed(NEW_KINDS)})")
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.drop_constraint("ck_ledger_postings_account", type_="check")
        batch_op.create_check_constraint("ck_ledger_postings_account", f"account IN ({_listed(NEW_ACCOUNTS)})")
    op.create_table(
        "payout_items",
        sa.Column("payout_id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["payout_id"], ["payouts.id"]),
        sa.ForeignKeyConstraint(["transaction_id"], ["ledger_transactions.id"]),
        sa.PrimaryKeyConstraint("payout_id", "transaction_id"),
    )


def downgrade() -> None:
    op.drop_table("payout_items")
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.drop_constraint("ck_ledger_postings_account", type_="check")
        batch_op.create_check_constraint("ck_ledger_postings_account", f"account IN ({_listed(OLD_ACCOUNTS)})")
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.drop_constraint("ck_ledger_transactions_kind", type_="check")
        batch_op.create_check_constraint("ck_ledger_transactions_kind", f"kind IN ({_listed(OLD_KINDS)})")
        batch_op.drop_constraint("fk_ledger_transactions_payout_id_payouts", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_payout_id"))
        batch_op.drop_column("payout_id")
        batch_op.alter_column("order_line_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("order_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("connect_events")
    op.drop_table("payouts")
    op.drop_table("payout_schedule")
    op.drop_table("payout_accounts")
