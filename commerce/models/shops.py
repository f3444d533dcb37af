"""A seller's shop: the public profile products are sold under."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import UTCDateTime

DEFAULT_TAKE_RATE_BPS = 500  # 5 %, the blueprint's floor; admins may set 5–8 %


class Shop(SQLModel, table=True):
    __tablename__ = "shops"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", unique=True)
    slug: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=80)
    bio: str = Field(default="", max_length=2000)
    currency: str = Field(default="USD", max_length=3)
    take_rate_bps: int = Field(default=DEFAULT_TAKE_RATE_BPS)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    suspended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
