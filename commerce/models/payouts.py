"""Payouts: each shop's connected payout account, the admin's schedule, and the transfers
that pay sellers their available earnings (each tied to the ledger transactions it settles)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import EnumString, UTCDateTime, one_of


class PayoutAccountStatus(StrEnum):
    """The connected account as the provider reports it (Stripe Connect's three states)."""

    DETAILS_NEEDED = "details_needed"  # onboarding not finished: the provider needs information
    RESTRICTED = "restricted"  # payouts paused until something missing or overdue is given
    ENABLED = "enabled"  # transfers and payouts allowed


class PayoutInterval(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


class PayoutStatus(StrEnum):
    """pending (earnings set aside, transfer not made yet) -> in_transit (transferred, the
    seller's bank payout on its way) -> paid, or -> failed (the money is back in available)."""

    PENDING = "pending"
    IN_TRANSIT = "in_transit"
    PAID = "paid"
    FAILED = "failed"


class PayoutAccount(SQLModel, table=True):
    __tablename__ = "payout_accounts"
    __table_args__ = (
        UniqueConstraint("provider", "account_id", name="uq_payout_accounts_provider_account"),
        one_of("payout_accounts", "status", PayoutAccountStatus),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", unique=True)
    provider: str = Field(max_length=20)
    account_id: str = Field(max_length=64)
    status: PayoutAccountStatus = Field(
        default=PayoutAccountStatus.DETAILS_NEEDED, sa_type=EnumString(PayoutAccountStatus, 16)
    )
    # What the provider still needs, as its requirement names, comma-separated.
    requirements: str = Field(default="", max_length=2000)
    disabled_reason: str = Field(default="", max_length=200)
    # The bank account payouts go to (the provider's id) and how it is shown ("•••• 6789").
    bank_account_id: str = Field(default="", max_length=64)
    bank_label: str = Field(default="", max_length=60)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # The provider's time of the newest status event applied: older deliveries change nothing.
    synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PayoutSchedule(SQLModel, table=True):
    """The admin's payout schedule: one row (id 1)."""

    __tablename__ = "payout_schedule"
    __table_args__ = (one_of("payout_schedule", "interval", PayoutInterval),)

    id: int | None = Field(default=None, primary_key=True)
    interval: PayoutInterval = Field(default=PayoutInterval.WEEKLY, sa_type=EnumString(PayoutInterval, 8))
    weekday: int = Field(default=0)  # weekly payouts run on this day (0 = Monday)
    # A payout is sent once at least this many major units are available (each currency alike).
    minimum_major: int = Field(default=10)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Payout(SQLModel, table=True):
    __tablename__ = "payouts"
    __table_args__ = (one_of("payouts", "status", PayoutStatus),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", index=True)
    payout_account_id: int = Field(foreign_key="payout_accounts.id")
    currency: str = Field(max_length=3)
    amount: int
    status: PayoutStatus = Field(default=PayoutStatus.PENDING, sa_type=EnumString(PayoutStatus, 12), index=True)
    # The provider's transfer to the connected account and the bank payout that follows it.
    transfer_id: str = Field(default="", max_length=80)
    bank_payout_id: str = Field(default="", max_length=80)
    # Taken back from the transfer after refunds or disputes of what it paid.
    reversed_amount: int = Field(default=0)
    failure_message: str = Field(default="", max_length=300)
    run_key: str = Field(max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PayoutItem(SQLModel, table=True):
    """A ledger transaction a payout settled (kept after a failure, for the payout's history)."""

    __tablename__ = "payout_items"

    payout_id: int = Field(foreign_key="payouts.id", primary_key=True)
    transaction_id: int = Field(foreign_key="ledger_transactions.id", primary_key=True)
    amount: int  # the seller's earnings it carried (a refund's is negative)


class ConnectEvent(SQLModel, table=True):
    """Connect webhook events (account updates, bank payouts), recorded once by (provider, id)."""

    __tablename__ = "connect_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_connect_events_provider_event"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=20)
    event_id: str = Field(max_length=255)
    type: str = Field(max_length=80)
    account_id: str = Field(default="", max_length=64)
    outcome: str = Field(default="", max_length=200)
    created: datetime = Field(sa_type=UTCDateTime, nullable=False)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
