"""Double-entry ledger: each transaction's postings sum to zero; balances come only from postings."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import EnumString, UTCDateTime, one_of


class LedgerEntryKind(StrEnum):
    SALE = "sale"
    REFUND = "refund"
    DISPUTE = "dispute"  # the seller's earnings moved to the dispute hold
    PAYOUT = "payout"  # available earnings transferred to the seller (commerce.payouts)
    PAYOUT_FAILED = "payout_fail"  # a failed transfer or bank payout: the money is available again
    REVERSAL = "reversal"  # taken back from a transfer after a refund or dispute of what it paid


class LedgerAccount(StrEnum):
    BUYER_PAYMENT = "buyer_payment"
    PLATFORM_COMMISSION = "platform_commission"
    GATEWAY_FEE = "gateway_fee"
    TAX_COLLECTED = "tax_collected"
    SELLER_EARNINGS = "seller_earnings"
    DISPUTE_HOLD = "dispute_hold"
    SELLER_PAYOUTS = "seller_payouts"  # what has been transferred to the shop, net of what came back


class LedgerTransaction(SQLModel, table=True):
    __tablename__ = "ledger_transactions"
    __table_args__ = (one_of("ledger_transactions", "kind", LedgerEntryKind),)

    id: int | None = Field(default=None, primary_key=True)
    # Sales, refunds and disputes name their order line; payouts and reversals name none.
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    order_line_id: int | None = Field(default=None, foreign_key="order_lines.id", index=True)
    refund_id: int | None = Field(default=None, foreign_key="refunds.id")
    kind: LedgerEntryKind = Field(sa_type=EnumString(LedgerEntryKind, 12))
    memo: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Seller earnings become available for payout at this time (the hold period).
    available_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # The payout that settled this transaction's seller earnings (cleared again if it failed).
    payout_id: int | None = Field(default=None, foreign_key="payouts.id", index=True)


class LedgerPosting(SQLModel, table=True):
    """One leg: positive amounts are debits, negative are credits, in `currency` minor units."""

    __tablename__ = "ledger_postings"
    __table_args__ = (one_of("ledger_postings", "account", LedgerAccount),)

    id: int | None = Field(default=None, primary_key=True)
    transaction_id: int = Field(foreign_key="ledger_transactions.id", index=True)
    account: LedgerAccount = Field(sa_type=EnumString(LedgerAccount, 24))
    shop_id: int | None = Field(default=None, foreign_key="shops.id", index=True)
    amount: int
    currency: str = Field(max_length=3)
