"""Background-job bookkeeping: dead letters and idempotency keys."""

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import UTCDateTime


class FailedJob(SQLModel, table=True):
    """A job that failed every attempt; kept so an admin can see and replay it."""

    __tablename__ = "failed_jobs"

    id: int | None = Field(default=None, primary_key=True)
    job_name: str = Field(max_length=255, index=True)
    args_json: str = Field(sa_type=Text)
    error: str = Field(sa_type=Text)
    attempts: int
    failed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


class JobIdempotencyKey(SQLModel, table=True):
    """A side effect that has happened, named by a key the job chooses.

    Written in the same transaction as the effect, so a retried job can tell
    that the effect is already durable and skip it.
    """

    __tablename__ = "job_idempotency_keys"

    key: str = Field(max_length=255, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
