"""The API's documents: pydantic models that FastAPI turns into the OpenAPI 3.1 schema.

Conventions: money is an integer amount of minor units with its ISO 4217 currency;
times are UTC, ISO 8601 with an offset; ids are the ones the studio's addresses use
(numbers, and an order's reference).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, model_validator

from commerce.kit.time import utcnow


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


# Serialised as "2026-12-03T10:15:00Z".
UTCTime = Annotated[
    datetime,
    AfterValidator(_utc),
    PlainSerializer(lambda moment: _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ"), return_type=str),
]
SAFE_INT = 2**53 - 1  # integers every JSON client reads exactly


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


def _refuse_nul(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("Text may not contain NUL characters.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item)


class _In(BaseModel):
    """A request body: unknown fields refused, and no NUL character anywhere (PostgreSQL
    stores none, so it would otherwise fail deep inside a service)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        _refuse_nul(data)
        return data


class Money(_Out):
    amount: int = Field(description="Minor units of the currency (cents for USD and EUR).")
    currency: str = Field(description="ISO 4217 code.", examples=["EUR"])


class MoneyIn(_In):
    amount: int = Field(ge=0, le=SAFE_INT, description="Minor units of the currency.")
    currency: str | None = Field(
        default=None, min_length=3, max_length=3, description="Must be the shop's currency; omit for the shop's."
    )


class Problem(BaseModel):
    """RFC 9457 problem details; validation problems list each field."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


class FieldError(BaseModel):
    field: str = Field(description="Where the problem is, as a dotted path (body.title, query.limit).")
    message: str


Problem.model_rebuild()


# -- products ---------------------------------------------------------------------------


class ProductFile(_Out):
    id: int
    filename: str
    size_bytes: int
    content_type: str
    sha256: str


class ProductVersion(_Out):
    id: int
    number: int
    release_notes: str
    created_at: UTCTime
    released_at: UTCTime | None
    files: list[ProductFile]


class Product(_Out):
    id: int
    slug: str
    title: str
    summary: str
    description: str = Field(description="Markdown.")
    category: str | None = Field(description="The category's slug.")
    tags: list[str]
    pricing: Literal["fixed", "pwyw"]
    price: Money = Field(description="The price, or the minimum for pay-what-you-want.")
    delivery_kind: Literal["files", "keys", "both"]
    status: Literal["draft", "published", "archived"]
    moderation_status: Literal["pending", "approved", "rejected"]
    rejection_reason: str | None
    live: bool = Field(description="Buyers can see and buy it now.")
    url: str
    cover_url: str | None
    publish_problems: list[str] = Field(description="What stops publishing, empty when it can be published.")
    versions: list[ProductVersion]
    created_at: UTCTime
    updated_at: UTCTime
    published_at: UTCTime | None


class ProductList(_Out):
    data: list[Product]
    next_cursor: str | None


class ProductCreate(_In):
    title: str = Field(min_length=1, max_length=120)
    price: MoneyIn
    pricing: Literal["fixed", "pwyw"] = "fixed"
    delivery_kind: Literal["files", "keys", "both"] = "files"


class ProductUpdate(_In):
    title: str | None = Field(default=None, min_length=1, max_length=120)
    slug: str | None = Field(default=None, max_length=80)
    summary: str | None = Field(default=None, max_length=280)
    description: str | None = Field(default=None, max_length=100_000)
    category: str | None = Field(default=None, max_length=60, description="A category slug; an empty string clears it.")
    tags: list[Annotated[str, Field(max_length=30)]] | None = Field(default=None, max_length=10)
    pricing: Literal["fixed", "pwyw"] | None = None
    price: MoneyIn | None = None
    delivery_kind: Literal["files", "keys", "both"] | None = None


class UploadCreate(_In):
    filename: str = Field(min_length=1, max_length=255)
    size: int = Field(ge=1, le=SAFE_INT, description="The file's size in bytes.")


class UploadPart(_Out):
    number: int
    url: str = Field(description="PUT the part's bytes here (the signed address expires within an hour).")


class Upload(_Out):
    upload_id: str
    key: str = Field(description="Send back when completing.")
    part_size: int = Field(description="Every part but the last is exactly this many bytes.")
    parts: list[UploadPart]


class UploadComplete(_In):
    key: str = Field(min_length=1, max_length=4096)
    etags: dict[str, str] | None = Field(
        default=None, description="Part number → the ETag its PUT answered, checked when given."
    )


# -- orders -----------------------------------------------------------------------------


class OrderLine(_Out):
    id: int
    product_id: int
    title: str
    total: Money
    refunded: Money
    refundable: Money


class Order(_Out):
    id: str = Field(description="The order's reference.")
    status: Literal["paid", "partially_refunded", "refunded", "disputed"]
    buyer: str = Field(description="The buyer's email, or a per-shop pseudonym if they keep it from sellers.")
    billing_country: str | None
    lines: list[OrderLine] = Field(description="This shop's lines of the order only.")
    total: Money = Field(description="The shop's lines, tax included.")
    created_at: UTCTime
    paid_at: UTCTime | None


class OrderList(_Out):
    data: list[Order]
    next_cursor: str | None


class RefundLine(_In):
    line_id: int = Field(ge=1, le=SAFE_INT)
    amount: int = Field(ge=1, le=SAFE_INT, description="Minor units of the order's currency.")


class RefundCreate(_In):
    lines: list[RefundLine] | None = Field(
        default=None, max_length=100, description="Omit to refund everything of this shop's lines still refundable."
    )
    reason: str = Field(default="", max_length=500)


# -- customers --------------------------------------------------------------------------


class Customer(_Out):
    id: str = Field(description="The buyer's id in this shop (stable, means nothing elsewhere).")
    email: str | None = Field(description="Null when the buyer keeps their email from sellers.")
    country: str | None
    orders: int
    first_order_at: UTCTime | None
    last_order_at: UTCTime | None


class CustomerList(_Out):
    data: list[Customer]
    next_cursor: str | None


# -- license keys -----------------------------------------------------------------------


class LicenseKey(_Out):
    id: int
    product_id: int
    masked: str = Field(description="The key with all but its last characters hidden.")
    status: Literal["available", "sold", "revoked"]
    source: Literal["imported", "generated"]
    buyer: str | None
    sold_at: UTCTime | None
    expires_at: UTCTime | None
    activations: int
    activation_limit: int | None
    usage_count: int
    revoked_reason: str | None


class LicenseKeyList(_Out):
    data: list[LicenseKey]
    next_cursor: str | None


class LicenseKeyImport(_In):
    product_id: int = Field(ge=1, le=SAFE_INT)
    keys: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1, max_length=10_000)


class LicenseKeyImportResult(_Out):
    added: int
    skipped: int = Field(description="Duplicates in the list or already in stock.")
    available: int = Field(description="Keys in stock after the import.")


class LicenseKeyDisable(_In):
    reason: str = Field(default="", max_length=200)


class Activation(_Out):
    id: int
    instance: str
    created_at: UTCTime
    last_seen_at: UTCTime
    active: bool


class ActivationList(_Out):
    data: list[Activation]


# -- discount codes ---------------------------------------------------------------------


class DiscountCode(_Out):
    id: int
    code: str
    kind: Literal["percent", "fixed"]
    percent_bps: int = Field(description="For percent codes: 1500 is 15 %.")
    amount: Money | None = Field(description="For fixed codes: the amount off.")
    product_id: int | None = Field(description="Null: every product of the shop.")
    minimum: Money
    expires_at: UTCTime | None
    usage_limit: int | None
    used: int
    active: bool


class DiscountCodeList(_Out):
    data: list[DiscountCode]
    next_cursor: str | None


class DiscountCodeCreate(_In):
    code: str = Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$")
    kind: Literal["percent", "fixed"]
    percent_bps: int = Field(default=0, ge=0, le=10_000)
    amount: int = Field(default=0, ge=0, le=SAFE_INT, description="Minor units of the shop's currency.")
    product_id: int | None = Field(default=None, ge=1, le=SAFE_INT)
    minimum_amount: int = Field(default=0, ge=0, le=SAFE_INT)
    expires_at: UTCTime | None = None
    usage_limit: int | None = Field(default=None, ge=1, le=1_000_000)


class DiscountCodeUpdate(_In):
    expires_at: UTCTime | None = None
    usage_limit: int | None = Field(default=None, ge=1, le=1_000_000)
