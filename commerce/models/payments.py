"""Payment provider webhook events, recorded once by (provider, event id)."""

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import UTCDateTime

WEBHOOK_OUTCOMES = ("processed", "ignored", "deferred", "unknown_order", "flagged")


class WebhookEvent(SQLModel, table=True):
    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_webhook_events_provider_event"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=20)
    event_id: str = Field(max_length=255)
    kind: str = Field(max_length=24)
    raw_type: str = Field(max_length=80)
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    payment_reference: str | None = Field(default=None, max_length=255)
    amount: int | None = Field(default=None)
    currency: str | None = Field(default=None, max_length=3)
    refunded_amount: int | None = Field(default=None)
    failure_message: str | None = Field(default=None, sa_column=Column(Text))
    outcome: str = Field(default="processed", max_length=16)
    note: str | None = Field(default=None, sa_column=Column(Text))
    created: datetime = Field(sa_type=UTCDateTime, nullable=False)  # the provider's event time
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
