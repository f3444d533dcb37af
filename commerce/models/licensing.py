"""License-key settings per product and the inventory of keys to sell."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import EnumString, UTCDateTime, one_of


class KeySource(StrEnum):
    IMPORTED = "imported"  # uploaded by the seller, sold from stock
    GENERATED = "generated"  # made at the sale


class KeyStatus(StrEnum):
    AVAILABLE = "available"  # in stock
    SOLD = "sold"
    REVOKED = "revoked"


class LicensePolicy(SQLModel, table=True):
    """How a product's keys are made and what they allow. No row means the defaults:
    keys imported by the seller, no prefix, no limits."""

    __tablename__ = "license_policies"
    __table_args__ = (one_of("license_policies", "source", KeySource),)

    product_id: int = Field(foreign_key="products.id", primary_key=True)
    source: KeySource = Field(default=KeySource.IMPORTED, sa_type=EnumString(KeySource, 10))
    prefix: str | None = Field(default=None, max_length=8)  # generated keys only
    activation_limit: int | None = Field(default=None)  # machines per key; None: unlimited
    expiry_days: int | None = Field(default=None)  # from the sale; None: never expires
    usage_limit: int | None = Field(default=None)  # validations per key; None: unlimited
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class LicenseKey(SQLModel, table=True):
    """One key in a product's inventory, encrypted at rest (see licensing/crypto.py).

    `lookup_hash` is the keyed hash of the normalised key, unique per product, so a
    re-imported key is found without decrypting anything.
    """

    __tablename__ = "license_keys"
    __table_args__ = (
        UniqueConstraint("product_id", "lookup_hash", name="uq_license_keys_product_lookup"),
        Index("ix_license_keys_product_status", "product_id", "status"),
        one_of("license_keys", "status", KeyStatus),
        one_of("license_keys", "source", KeySource),
    )

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="products.id")
    ciphertext: bytes = Field(sa_type=LargeBinary)
    lookup_hash: str = Field(max_length=64)
    status: KeyStatus = Field(default=KeyStatus.AVAILABLE, sa_type=EnumString(KeyStatus, 10))
    source: KeySource = Field(default=KeySource.IMPORTED, sa_type=EnumString(KeySource, 10))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    sold_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The order line that bought it; the orders issue adds the foreign key.
    order_line_id: int | None = Field(default=None, index=True)
    # Set when sold: the fulfilment it was issued for, its owner, and the product's
    # limits at the time of sale (later policy changes do not touch sold keys).
    fulfilment_id: int | None = Field(default=None, foreign_key="fulfilments.id", index=True)
    buyer_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    activation_limit: int | None = Field(default=None)
    usage_limit: int | None = Field(default=None)
    usage_count: int = Field(default=0)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str | None = Field(default=None, max_length=200)
    # A rotated key points at the key that replaced it.
    replaced_by_id: int | None = Field(default=None)


class LicenseActivation(SQLModel, table=True):
    """One machine (instance) a key is activated on, named by the seller's software."""

    __tablename__ = "license_activations"
    __table_args__ = (UniqueConstraint("license_key_id", "instance", name="uq_license_activations_key_instance"),)

    id: int | None = Field(default=None, primary_key=True)
    license_key_id: int = Field(foreign_key="license_keys.id", index=True)
    instance: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    deactivated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
