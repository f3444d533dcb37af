"""Every table, imported so `SQLModel.metadata` (Alembic's target) knows them all."""

from commerce.models.accounts import AuthSession, PasswordResetToken, User
from commerce.models.analytics import (
    AnalyticsEvent,
    AnalyticsPendingRollup,
    DimensionRollup,
    ProductRollup,
    ShopRollup,
)
from commerce.models.catalog import Category, Product, ProductImage, ProductTag
from commerce.models.delivery import (
    DeliveryPolicy,
    DownloadCounter,
    DownloadEvent,
    FulfilmentDelivery,
    LibrarySeen,
    LibraryState,
    StampedCopy,
)
from commerce.models.files import ProductFile, ProductVersion
from commerce.models.jobs import FailedJob, JobIdempotencyKey
from commerce.models.ledger import LedgerPosting, LedgerTransaction
from commerce.models.licensing import LicenseActivation, LicenseKey, LicensePolicy
from commerce.models.moderation import AuditRecord, BannedWord
from commerce.models.notifications import Notification, UserPreference
from commerce.models.orders import (
    BundleItem,
    Cart,
    CartItem,
    DiscountCode,
    ExchangeRate,
    Fulfilment,
    Order,
    OrderLine,
    OrderTransition,
    Refund,
    TaxRate,
)
from commerce.models.payments import WebhookEvent
from commerce.models.reviews import Report, Review, ReviewVote
from commerce.models.shops import Shop

__all__ = [
    "AnalyticsEvent",
    "AnalyticsPendingRollup",
    "AuditRecord",
    "AuthSession",
    "BannedWord",
    "BundleItem",
    "Cart",
    "CartItem",
    "Category",
    "DeliveryPolicy",
    "DimensionRollup",
    "DiscountCode",
    "DownloadCounter",
    "DownloadEvent",
    "ExchangeRate",
    "FailedJob",
    "Fulfilment",
    "FulfilmentDelivery",
    "JobIdempotencyKey",
    "LedgerPosting",
    "LedgerTransaction",
    "LibrarySeen",
    "LibraryState",
    "LicenseActivation",
    "LicenseKey",
    "LicensePolicy",
    "Notification",
    "Order",
    "OrderLine",
    "OrderTransition",
    "PasswordResetToken",
    "Product",
    "ProductFile",
    "ProductImage",
    "ProductRollup",
    "ProductTag",
    "ProductVersion",
    "Refund",
    "Report",
    "Review",
    "ReviewVote",
    "Shop",
    "ShopRollup",
    "StampedCopy",
    "TaxRate",
    "User",
    "UserPreference",
    "WebhookEvent",
]
