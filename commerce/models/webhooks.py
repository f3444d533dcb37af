"""Outbound webhooks: a shop's endpoints, the messages sent to them and every attempt.

A message is one event for one endpoint; its id is the `webhook-id` header of every
attempt (retries and resends alike), so a receiver can drop duplicates by id. The
message row is the durable record of what still has to be sent: a worker that dies
mid-attempt leaves it pending with an expired lease, and the periodic sweep sends it again.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import EnumString, UTCDateTime, one_of


class EndpointStatus(StrEnum):
    ENABLED = "enabled"
    # Turned off by its seller, or by the platform after days of failed deliveries.
    DISABLED = "disabled"


class MessageStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (or one is in flight)
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # every attempt failed, or the endpoint was disabled first


class AttemptOutcome(StrEnum):
    IN_FLIGHT = "in_flight"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # The worker stopped mid-attempt (killed, restarted): the answer was never recorded.
    INTERRUPTED = "interrupted"


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (one_of("webhook_endpoints", "status", EndpointStatus),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", index=True)
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=300)
    # Space-separated event types (order.paid license_key.activated ...).
    event_types: str = Field(max_length=1000)
    status: EndpointStatus = Field(default=EndpointStatus.ENABLED, sa_type=EnumString(EndpointStatus, 10))
    disabled_reason: str = Field(default="", max_length=300)
    # Signing secrets, encrypted at rest (AES-GCM). During a rotation's overlap both sign.
    secret_ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    previous_secret_ciphertext: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    previous_secret_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set at the first failed attempt after a success; cleared by the next success.
    failing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class WebhookMessage(SQLModel, table=True):
    __tablename__ = "webhook_messages"
    __table_args__ = (
        # One message per event and endpoint, however often the job that makes them runs.
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_messages_endpoint_event"),
        Index("ix_webhook_messages_due", "status", "next_attempt_at"),
        Index("ix_webhook_messages_endpoint_created", "endpoint_id", "created_at"),
        one_of("webhook_messages", "status", MessageStatus),
    )

    id: str = Field(primary_key=True, max_length=40)  # msg_<random>: the webhook-id header
    endpoint_id: int = Field(foreign_key="webhook_endpoints.id")
    shop_id: int = Field(foreign_key="shops.id", index=True)
    event_id: str = Field(max_length=64)
    event_type: str = Field(max_length=60)
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the exact JSON body sent
    status: MessageStatus = Field(default=MessageStatus.PENDING, sa_type=EnumString(MessageStatus, 10))
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # An attempt in flight holds the message until then; a dead worker's lease runs out.
    leased_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempts"
    __table_args__ = (
        UniqueConstraint("message_id", "number", name="uq_webhook_attempts_number"),
        one_of("webhook_attempts", "outcome", AttemptOutcome),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(foreign_key="webhook_messages.id", max_length=40)
    number: int  # 1 for the first attempt of the message, counting resends too
    url: str = Field(max_length=2000)
    outcome: AttemptOutcome = Field(default=AttemptOutcome.IN_FLIGHT, sa_type=EnumString(AttemptOutcome, 12))
    status_code: int | None = Field(default=None)
    response_excerpt: str = Field(default="", max_length=1000)
    error: str = Field(default="", max_length=500)
    latency_ms: int | None = Field(default=None)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
