"""Every table, imported so `SQLModel.metadata` (Alembic's target) knows them all."""

from commerce.models.accounts import AuthSession, PasswordResetToken, User
from commerce.models.catalog import Category, Product, ProductImage, ProductTag
from commerce.models.files import ProductFile, ProductVersion
from commerce.models.jobs import FailedJob, JobIdempotencyKey
from commerce.models.licensing import LicenseKey, LicensePolicy
from commerce.models.shops import Shop

__all__ = [
    "AuthSession", "Category", "FailedJob", "JobIdempotencyKey", "LicenseKey", "LicensePolicy",
    "PasswordResetToken", "Product", "ProductFile", "ProductImage", "ProductTag", "ProductVersion",
    "Shop", "User",
]
