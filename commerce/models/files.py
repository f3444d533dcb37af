"""A product's downloadable files, grouped into versions that buyers keep forever."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import EnumString, UTCDateTime, one_of


class ProductVersion(SQLModel, table=True):
    """One release of a product's files. Numbers count up from 1 per product.

    Versions and their files are never deleted once the product has been
    published: a buyer keeps access to every version released after their purchase
    and to the one they bought.
    """

    __tablename__ = "product_versions"
    __table_args__ = (UniqueConstraint("product_id", "number", name="uq_product_versions_number"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="products.id", index=True)
    number: int
    label: str = Field(max_length=40)
    release_notes: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # None while the version is a draft: buyers neither see it nor hear about it until the
    # seller releases it with its files. Version 1 is released when made (publishing governs it).
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class ProductFile(SQLModel, table=True):
    """One private file of a version. Its blob key is never exposed as a public URL."""

    __tablename__ = "product_files"

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="products.id", index=True)
    version_id: int = Field(foreign_key="product_versions.id", index=True)
    filename: str = Field(max_length=255)
    blob_key: str = Field(max_length=255)
    size_bytes: int = Field(sa_type=BigInteger)  # files may exceed 2 GiB - 1
    sha256: str = Field(max_length=64)
    content_type: str = Field(max_length=255)  # sniffed from the bytes, not the client's claim
    # Buyers read (PDF) or play (audio, video) it in the browser only; no link to the file is issued.
    online_only: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    position: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class RenditionStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class VideoRendition(SQLModel, table=True):
    """A video cut into HLS for online-only viewing: a playlist and ~6 s segments in storage
    under `prefix`, made once per video content (the source file's SHA-256) by a job
    (commerce.catalog.video_hls). The buyer's player gets them only through signed app links."""

    __tablename__ = "video_renditions"
    __table_args__ = (one_of("video_renditions", "status", RenditionStatus),)

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, unique=True)
    # The blob the rendition is cut from (any file row with this content).
    source_key: str = Field(max_length=255)
    status: RenditionStatus = Field(
        default=RenditionStatus.PENDING, sa_type=EnumString(RenditionStatus, 8), nullable=False
    )
    # Storage folder: <prefix>/index.m3u8 and <prefix>/seg-00000.ts onwards.
    prefix: str | None = Field(default=None, max_length=255)
    segment_count: int = Field(default=0)
    # True when ffmpeg re-encoded the video (H.264/AAC could not be copied as they were).
    transcoded: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    error: str | None = Field(default=None, max_length=500)
    # When the job was last asked for: a pending rendition asked for long ago is asked for again.
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    ready_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
