"""What delivery keeps: per-product download settings, each buyer's downloads and
stamped copies, and the library's change counter and "seen" marks."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint, false, true
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import EnumString, UTCDateTime, one_of


class StampStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class Protection(StrEnum):
    """What each buyer's copy of a product's files carries, the seller's one choice."""

    NONE = "none"
    # "Licensed to <email> · Order <ref>" on every page of every PDF.
    STAMP = "stamp"
    # An invisible mark of the purchase in every fingerprintable file (commerce.fingerprints).
    MARK = "mark"
    BOTH = "both"

    @property
    def stamps(self) -> bool:
        return self in (Protection.STAMP, Protection.BOTH)

    @property
    def marks(self) -> bool:
        return self in (Protection.MARK, Protection.BOTH)


class DeliveryPolicy(SQLModel, table=True):
    """A product's download rules, set by its seller. No row means the defaults:
    unlimited downloads, links that last an hour, the original files delivered."""

    __tablename__ = "delivery_policies"
    __table_args__ = (one_of("delivery_policies", "protection", Protection),)

    product_id: int = Field(foreign_key="products.id", primary_key=True)
    download_limit: int | None = Field(default=None)  # downloads per buyer; None: unlimited
    link_minutes: int = Field(default=60)  # how long a minted download link works
    # Whether each buyer gets a personal copy: PDFs stamped visibly, fingerprintable files
    # (PDF, image, EPUB, ZIP, MP3, WAV) carrying the buyer's order line invisibly, or both.
    protection: Protection = Field(
        default=Protection.NONE,
        sa_type=EnumString(Protection, 8),
        sa_column_kwargs={"server_default": Protection.NONE.value},
    )
    # Every file buyers can view in the browser (PDF, audio, video) is online only: read or
    # played in the library's reader, never downloaded (commerce.delivery.viewing).
    online_only: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class FulfilmentDelivery(SQLModel, table=True):
    """The grant job finished for this fulfilment (its key is issued, its copies queued).

    A fulfilment without this row is still being delivered; the job that writes it
    is safe to run again, so a crash before this row only means the job runs again.
    """

    __tablename__ = "fulfilment_deliveries"

    fulfilment_id: int = Field(foreign_key="fulfilments.id", primary_key=True)
    delivered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class DownloadCounter(SQLModel, table=True):
    """How many downloads a buyer has used of a product since the seller last reset it."""

    __tablename__ = "download_counters"

    buyer_id: int = Field(foreign_key="users.id", primary_key=True)
    product_id: int = Field(foreign_key="products.id", primary_key=True)
    used: int = Field(default=0)
    reset_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DownloadEvent(SQLModel, table=True):
    """One download: who, when, which file of which version, from where (IP truncated)."""

    __tablename__ = "download_events"
    __table_args__ = (Index("ix_download_events_product_created", "product_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    buyer_id: int = Field(foreign_key="users.id", index=True)
    product_id: int = Field(foreign_key="products.id")
    file_id: int = Field(foreign_key="product_files.id")
    version_id: int = Field(foreign_key="product_versions.id")
    fulfilment_id: int = Field(foreign_key="fulfilments.id")
    # IPv4 to /24 and IPv6 to /48: enough to spot abuse, not to find a household.
    ip_prefix: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
    stamped: bool = Field(default=False)
    # False for a request that resumed a download already counted (a byte range not at
    # the start): logged, but neither a download in the figures nor one from the limit.
    counted: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    # The expiry of the link the request came with: with the fulfilment and the file it
    # names the link, so a resumed range is allowed only on a link already counted.
    link_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class StampedCopy(SQLModel, table=True):
    """A buyer's personal copy of a file (a PDF stamped visibly, a file carrying an invisible
    fingerprint, or both), made once by a job and kept in storage."""

    __tablename__ = "stamped_copies"
    __table_args__ = (
        UniqueConstraint("file_id", "buyer_id", name="uq_stamped_copies_file_buyer"),
        one_of("stamped_copies", "status", StampStatus),
    )

    id: int | None = Field(default=None, primary_key=True)
    file_id: int = Field(foreign_key="product_files.id")
    buyer_id: int = Field(foreign_key="users.id", index=True)
    fulfilment_id: int = Field(foreign_key="fulfilments.id")
    status: StampStatus = Field(default=StampStatus.PENDING, sa_type=EnumString(StampStatus, 8))
    blob_key: str | None = Field(default=None, max_length=255)
    size_bytes: int | None = Field(default=None)
    error: str | None = Field(default=None, max_length=500)
    # What this copy carries; a copy made before the seller changed the settings is made again.
    stamped: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    marked: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    ready_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LibraryState(SQLModel, table=True):
    """Per buyer: a counter bumped whenever their library changes (pages poll it
    cheaply to update live) and whether they want product update emails."""

    __tablename__ = "library_states"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    version: int = Field(default=0)
    product_update_emails: bool = Field(default=True)


class LibrarySeen(SQLModel, table=True):
    """When the buyer last opened a product in their library: newer versions get a badge."""

    __tablename__ = "library_seen"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    product_id: int = Field(foreign_key="products.id", primary_key=True)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class DeliveryProblem(SQLModel, table=True):
    """A paid product that could not be delivered (no license key left in stock): the
    order line was refunded automatically (or the refund's error is kept), the buyer and
    the seller were told, and the admin queue lists it."""

    __tablename__ = "delivery_problems"

    fulfilment_id: int = Field(foreign_key="fulfilments.id", primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    order_line_id: int = Field(foreign_key="order_lines.id")
    shop_id: int = Field(foreign_key="shops.id", index=True)
    product_id: int = Field(foreign_key="products.id")
    reason: str = Field(max_length=300)
    refunded_amount: int = Field(default=0)  # minor units of the order's currency
    refund_error: str = Field(default="", max_length=300)  # empty when the refund went through
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
