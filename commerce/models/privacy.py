"""Requests under the privacy rules: a person's export of their data, and erasures.

The admin console lists them (who asked, when, what came of it). An export's ZIP lives
in the blob store under `blob_key` until `expires_at`; an erasure's row keeps only the
(pseudonymised) account id and the times.
"""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import EnumString, UTCDateTime, one_of


class PrivacyRequestKind(StrEnum):
    EXPORT = "export"
    ERASURE = "erasure"


class PrivacyRequestStatus(StrEnum):
    PENDING = "pending"  # an export being built
    READY = "ready"  # an export waiting to be downloaded
    EXPIRED = "expired"  # an export whose file was deleted
    FAILED = "failed"
    DONE = "done"  # an erasure carried out


class PrivacyRequest(SQLModel, table=True):
    __tablename__ = "privacy_requests"
    __table_args__ = (
        one_of("privacy_requests", "kind", PrivacyRequestKind),
        one_of("privacy_requests", "status", PrivacyRequestStatus),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    kind: PrivacyRequestKind = Field(sa_type=EnumString(PrivacyRequestKind, 8))
    status: PrivacyRequestStatus = Field(sa_type=EnumString(PrivacyRequestStatus, 8))
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    blob_key: str | None = Field(default=None, max_length=255)
    size_bytes: int | None = Field(default=None)
    error: str = Field(default="", max_length=300)
