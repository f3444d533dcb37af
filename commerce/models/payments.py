"""Payment provider webhook events, recorded once by (provider, event id)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import EnumString, UTCDateTime, one_of


class PaymentEventKind(StrEnum):
    """What a provider's event means for an order, whatever the provider calls it."""

    PAYMENT_SUCCEEDED = "payment_succeeded"
    PAYMENT_FAILED = "payment_failed"
    REFUNDED = "refunded"
    DISPUTED = "disputed"
    IGNORED = "ignored"  # a type the marketplace does not act on


class WebhookOutcome(StrEnum):
    """What handling a recorded event did."""

    PROCESSED = "processed"
    IGNORED = "ignored"
    DEFERRED = "deferred"  # arrived before the payment it follows; replayed after it
    UNKNOWN_ORDER = "unknown_order"  # names no order yet; replayed when one claims its payment
    FLAGGED = "flagged"  # does not add up; the order keeps a note for an admin


class WebhookEvent(SQLModel, table=True):
    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("provider", "event_id", name="uq_webhook_events_provider_event"),
        one_of("webhook_events", "kind", PaymentEventKind),
        one_of("webhook_events", "outcome", WebhookOutcome),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=20)
    event_id: str = Field(max_length=255)
    kind: PaymentEventKind = Field(sa_type=EnumString(PaymentEventKind, 24))
    raw_type: str = Field(max_length=80)
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    payment_reference: str | None = Field(default=None, max_length=255)
    amount: int | None = Field(default=None)
    currency: str | None = Field(default=None, max_length=3)
    refunded_amount: int | None = Field(default=None)
    failure_message: str | None = Field(default=None, sa_column=Column(Text))
    outcome: WebhookOutcome = Field(default=WebhookOutcome.PROCESSED, sa_type=EnumString(WebhookOutcome, 16))
    note: str | None = Field(default=None, sa_column=Column(Text))
    created: datetime = Field(sa_type=UTCDateTime, nullable=False)  # the provider's event time
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
