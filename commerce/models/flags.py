"""Feature flags: how far each registered flag is rolled out (commerce/flags)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import EnumString, UTCDateTime, one_of


class FlagRollout(StrEnum):
    EVERYONE = "everyone"
    NOBODY = "nobody"
    ACCOUNTS = "accounts"  # the accounts listed in feature_flag_accounts
    PERCENTAGE = "percentage"  # a stable share of accounts (commerce/flags/rules.py)


class FeatureFlag(SQLModel, table=True):
    """An admin's setting of one flag; a registered flag without a row has its default."""

    __tablename__ = "feature_flags"
    __table_args__ = (
        one_of("feature_flags", "rollout", FlagRollout),
        CheckConstraint("percentage BETWEEN 0 AND 100", name="ck_feature_flags_percentage"),
    )

    key: str = Field(primary_key=True, max_length=64)
    rollout: FlagRollout = Field(sa_type=EnumString(FlagRollout, 10))
    percentage: int = 0
    updated_by: int = Field(foreign_key="users.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class FeatureFlagAccount(SQLModel, table=True):
    """An account a flag is on for while its rollout is "accounts"."""

    __tablename__ = "feature_flag_accounts"

    flag_key: str = Field(foreign_key="feature_flags.key", primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True)
