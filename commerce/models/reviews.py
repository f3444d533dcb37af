"""Buyers' reviews of products, the helpful votes on them, and reports of reviews or products."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import EnumString, UTCDateTime, one_of


class ReportSubject(StrEnum):
    PRODUCT = "product"
    REVIEW = "review"


class ReportStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    ACTIONED = "actioned"  # the moderator acted on the subject (rejected it, hid it)


class Review(SQLModel, table=True):
    """One buyer's review of one product: stars, optional text, the seller's single reply.

    A moderator may hide it (with a reason); hidden reviews count nowhere.
    """

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("product_id", "buyer_id", name="uq_reviews_product_buyer"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="products.id", index=True)
    buyer_id: int = Field(foreign_key="users.id", index=True)
    rating: int  # 1-5 stars
    body: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    reply_body: str | None = Field(default=None, sa_type=Text)
    reply_by: int | None = Field(default=None, foreign_key="users.id")
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hidden_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hidden_reason: str | None = Field(default=None, max_length=500)


class ReviewVote(SQLModel, table=True):
    """Someone found a review helpful (one vote per person and review)."""

    __tablename__ = "review_votes"
    __table_args__ = (UniqueConstraint("review_id", "user_id", name="uq_review_votes_review_user"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="reviews.id", index=True)
    user_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Report(SQLModel, table=True):
    """A buyer or seller asks moderators to look at a product or a review."""

    __tablename__ = "reports"
    __table_args__ = (
        one_of("reports", "subject", ReportSubject),
        one_of("reports", "status", ReportStatus),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject: ReportSubject = Field(sa_type=EnumString(ReportSubject, 8))
    product_id: int = Field(foreign_key="products.id", index=True)
    review_id: int | None = Field(default=None, foreign_key="reviews.id", index=True)
    reporter_id: int = Field(foreign_key="users.id", index=True)
    reason: str = Field(max_length=20)
    details: str = Field(default="", max_length=1000)
    status: ReportStatus = Field(default=ReportStatus.OPEN, sa_type=EnumString(ReportStatus, 10), index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by: int | None = Field(default=None, foreign_key="users.id")
