"""statuses, roles and kinds: CHECK constraints, so the database refuses a value outside each set

The columns stay VARCHAR holding the same strings (the models read them as StrEnums).
The values are written out here rather than read from the enums: a migration says
what the schema was at this revision, whatever the enums say later.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORDER_STATUSES = ("pending", "paid", "partially_refunded", "refunded", "disputed", "cancelled")
KEY_SOURCES = ("imported", "generated")

# table -> column -> the values it may hold; each becomes CHECK constraint ck_<table>_<column>.
ALLOWED: dict[str, dict[str, tuple[str, ...]]] = {
    "users": {"role": ("buyer", "seller", "admin")},
    "products": {
        "pricing": ("fixed", "pwyw"),
        "status": ("draft", "published", "archived"),
        "moderation_status": ("pending", "approved", "rejected"),
        "delivery_kind": ("files", "keys", "both"),
    },
    "product_images": {"role": ("cover", "gallery")},
    "license_policies": {"source": KEY_SOURCES},
    "license_keys": {"status": ("available", "sold", "revoked"), "source": KEY_SOURCES},
    "stamped_copies": {"status": ("pending", "ready", "failed")},
    "discount_codes": {"kind": ("percent", "fixed")},
    "orders": {"status": ORDER_STATUSES},
    "order_transitions": {"from_status": ORDER_STATUSES, "to_status": ORDER_STATUSES},
    "fulfilments": {"status": ("granted", "revoked")},
    "webhook_events": {
        "kind": ("payment_succeeded", "payment_failed", "refunded", "disputed", "ignored"),
        "outcome": ("processed", "ignored", "deferred", "unknown_order", "flagged"),
    },
    "ledger_transactions": {"kind": ("sale", "refund", "dispute")},
    "ledger_postings": {
        "account": (
            "buyer_payment",
            "platform_commission",
            "gateway_fee",
            "tax_collected",
            "seller_earnings",
            "dispute_hold",
        )
    },
    "reports": {"subject": ("product", "review"), "status": ("open", "dismissed", "actioned")},
}


def upgrade() -> None:
    # SQLite cannot add a constraint to a table: batch mode copies each table into a new one.
    for table, columns in ALLOWED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in columns.items():
                listed = ", ".join(f"'{value}'" for value in values)
                batch_op.create_check_constraint(f"ck_{table}_{column}", f"{column} IN ({listed})")


def downgrade() -> None:
    for table, columns in reversed(ALLOWED.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_constraint(f"ck_{table}_{column}", type_="check")
