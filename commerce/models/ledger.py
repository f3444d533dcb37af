"""Double-entry ledger: each transaction's postings sum to zero; balances come only from postings."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import UTCDateTime

ACCOUNTS = ("buyer_payment", "platform_commission", "gateway_fee", "tax_collected", "seller_earnings", "dispute_hold")


class LedgerTransaction(SQLModel, table=True):
    __tablename__ = "ledger_transactions"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    order_line_id: int = Field(foreign_key="order_lines.id", index=True)
    refund_id: int | None = Field(default=None, foreign_key="refunds.id")
    kind: str = Field(max_length=12)  # "sale" | "refund" | "dispute"
    memo: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Seller earnings become available for payout at this time (the hold period).
    available_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class LedgerPosting(SQLModel, table=True):
    """One leg: positive amounts are debits, negative are credits, in `currency` minor units."""

    __tablename__ = "ledger_postings"

    id: int | None = Field(default=None, primary_key=True)
    transaction_id: int = Field(foreign_key="ledger_transactions.id", index=True)
    account: str = Field(max_length=24)
    shop_id: int | None = Field(default=None, foreign_key="shops.id", index=True)
    amount: int
    currency: str = Field(max_length=3)
