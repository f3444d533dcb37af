"""In-app notifications and each person's notification and privacy preferences."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import UTCDateTime


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    kind: str = Field(max_length=32)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=1000)
    url: str = Field(default="", max_length=500)
    # Names the fact notified ("sale:ORD-X:12"), so a retried job notifies once.
    dedupe_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserPreference(SQLModel, table=True):
    """A choice that differs from the default: "<channel>:<kind>" for notifications,
    "privacy:<choice>" for what others may see. Absent rows mean the default."""

    __tablename__ = "user_preferences"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    key: str = Field(max_length=64, primary_key=True)
    enabled: bool
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class PushSubscription(SQLModel, table=True):
    """One browser's Web Push subscription (PushSubscription.toJSON() in the browser).

    The endpoint is the push service's address for that browser; p256dh and auth are the
    browser's keys that each message is encrypted to (RFC 8291). Deleted when the push
    service answers 404 or 410 (the browser unsubscribed or the subscription expired).
    """

    __tablename__ = "push_subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    endpoint: str = Field(max_length=1000, unique=True)
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)
    # What the person sees in their list of devices ("Chrome on Android").
    device: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
