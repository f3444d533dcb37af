"""The seller REST API: a shop's API keys and the answers kept for idempotent retries."""

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import UTCDateTime
from commerce.models.sealed import Sealed


class ApiKey(SQLModel, table=True):
    """A key a seller's code sends as `Authorization: Bearer <key>`.

    Only a SHA-256 of the whole key is kept (the key is 190 random bits, so a fast hash
    is enough and lets each request find its key by an index); `prefix` is the part shown
    in the studio so a seller can tell keys apart. `scopes` is a space-separated list
    such as "products:write orders:read".
    """

    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", index=True)
    created_by_id: int = Field(foreign_key="users.id")
    name: str = Field(max_length=80)
    prefix: str = Field(max_length=24, unique=True)
    secret_hash: str = Field(max_length=64, unique=True)
    scopes: str = Field(max_length=400)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiIdempotentRequest(SQLModel, table=True):
    """A POST sent with an `Idempotency-Key`: what it asked (a hash of method, path and body)
    and, once answered, the answer a retry gets again. `status` is None while it runs."""

    __tablename__ = "api_idempotent_requests"
    __table_args__ = (UniqueConstraint("api_key_id", "key", name="uq_api_idempotent_requests_key"),)

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="api_keys.id")
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    status: int | None = Field(default=None)
    content_type: str = Field(default="", max_length=100)
    # Sealed: an answer may hold a secret shown once (a webhook endpoint's signing secret).
    body: str = Field(default="", sa_column=Column(Sealed("api_idempotent_requests.body"), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
