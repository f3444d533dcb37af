"""The moderators' audit trail and the banned-words list of the automatic checks."""

from datetime import datetime

from sqlalchemy import event
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import UTCDateTime


class AuditRecord(SQLModel, table=True):
    """One admin decision: who, when, what (action and subject) and why. Append-only."""

    __tablename__ = "audit_records"

    id: int | None = Field(default=None, primary_key=True)
    actor_user_id: int = Field(foreign_key="users.id", index=True)
    action: str = Field(max_length=32, index=True)
    subject: str = Field(max_length=16)  # "product", "review", "report", "shop", "user", "order", "settings"
    subject_id: str = Field(max_length=64)
    subject_label: str = Field(default="", max_length=200)
    reason: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


@event.listens_for(AuditRecord, "before_update")
def _refuse_update(_mapper, _connection, target: AuditRecord) -> None:
    raise PermissionError(f"audit record {target.id} cannot be changed")


@event.listens_for(AuditRecord, "before_delete")
def _refuse_delete(_mapper, _connection, target: AuditRecord) -> None:
    raise PermissionError(f"audit record {target.id} cannot be deleted")


class BannedWord(SQLModel, table=True):
    """A word or phrase that sends a product or review to the top of the moderation queue."""

    __tablename__ = "banned_words"

    word: str = Field(primary_key=True, max_length=60)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
