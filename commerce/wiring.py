"""Builds each adapter once from the settings: the one place that picks backends.

Services ask this module for their outside systems; tests call `reset()` after
changing the environment so the next call builds adapters afresh.
"""

from __future__ import annotations

from functools import lru_cache

from commerce.accounts.ratelimit import AttemptCounter, MemoryAttemptCounter, RedisAttemptCounter
from commerce.config import Settings, get_settings


def settings() -> Settings:
    return get_settings()


@lru_cache(maxsize=1)
def redis_client():
    url = settings().redis_url
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


@lru_cache(maxsize=1)
def attempt_counter() -> AttemptCounter:
    client = redis_client()
    return RedisAttemptCounter(client) if client is not None else MemoryAttemptCounter()


@lru_cache(maxsize=1)
def email_sender():
    from commerce.notifications.email import OutboxEmailSender, SmtpEmailSender

    config = settings()
    if config.smtp_url:
        return SmtpEmailSender(config.smtp_url, config.mail_from)
    return OutboxEmailSender(config.outbox_dir, config.mail_from)


@lru_cache(maxsize=1)
def blob_store():
    config = settings()
    if config.s3_bucket:
        from commerce.storage.s3 import S3BlobStore

        return S3BlobStore(config.s3_bucket, endpoint_url=config.s3_endpoint_url, region=config.s3_region)
    from commerce.storage.local import LocalBlobStore

    return LocalBlobStore(config.storage_dir, config.secret_key)


@lru_cache(maxsize=1)
def search_index():
    """Meilisearch when MEILI_URL is set (its settings applied once per process),
    else the embedded tantivy index in the data folder. A Meilisearch that is down
    raises SearchUnavailable here and is tried again on the next call."""
    config = settings()
    if config.meili_url:
        from commerce.search.meili import MeiliSearchIndex

        index = MeiliSearchIndex(config.meili_url, config.meili_master_key)
        index.configure()
        return index
    from commerce.search.embedded import TantivySearchIndex

    return TantivySearchIndex(config.search_index_dir)


@lru_cache(maxsize=1)
def payment_gateway():
    """Stripe when STRIPE_SECRET_KEY is set; otherwise the embedded test gateway
    (which refuses to run in production)."""
    config = settings()
    if config.stripe_secret_key:
        from commerce.payments.stripe import StripeGateway

        return StripeGateway(config.stripe_secret_key, config.stripe_webhook_secret or "")
    from commerce.payments.testpay import TestPayGateway

    return TestPayGateway.for_environment(config.app_env, config.secret_key, config.base_url)


@lru_cache(maxsize=1)
def push_sender():
    # No push vendor is configured anywhere yet; its adapter goes here when one is chosen.
    from commerce.notifications.channels import LoggingPushSender

    return LoggingPushSender()


@lru_cache(maxsize=1)
def sms_sender():
    # As for push: the log until an SMS gateway is chosen.
    from commerce.notifications.channels import LoggingSmsSender

    return LoggingSmsSender()


def send_email(*, to: str, kind: str, **context) -> None:
    from commerce.notifications.email import EmailMessage, render_email

    subject, text, html = render_email(kind, **context)
    email_sender().send(EmailMessage(to=to, subject=subject, text=text, html=html))


def reset() -> None:
    """Forget built adapters and settings (tests change the environment)."""
    get_settings.cache_clear()
    for cached in (
        redis_client,
        attempt_counter,
        email_sender,
        blob_store,
        search_index,
        payment_gateway,
        push_sender,
        sms_sender,
    ):
        cached.cache_clear()
