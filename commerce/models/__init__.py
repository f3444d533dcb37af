"""Every table, imported so `SQLModel.metadata` (Alembic's target) knows them all."""

from commerce.models.accounts import AuthSession, PasswordResetToken, User
from commerce.models.catalog import Category, Product
from commerce.models.jobs import FailedJob, JobIdempotencyKey
from commerce.models.shops import Shop

__all__ = [
    "AuthSession", "Category", "FailedJob", "JobIdempotencyKey", "PasswordResetToken", "Product",
    "Shop", "User",
]
