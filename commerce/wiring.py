"""The composition root: which adapters run, what happens after what, and every job.

Each entry point calls `configure()` once before it serves anything: the web app
(`storefront/storefront.py`), the CLI and the worker (`commerce/cli.py`), and the
tests (`tests/conftest.py`). Nothing below this module registers itself by being
imported, so every process runs the same effects.

Read it top to bottom: the adapters chosen from the settings, then SUBSCRIBERS
(for each domain event, who reacts, in order), then JOBS (everything that runs in
the background; a worker consumes exactly these), then TIMERS (what the web app sends
on a schedule).
"""

from __future__ import annotations

from prometheus_client import Counter
from sqlmodel import Session

from commerce import events, ratelimit, storage
from commerce.analytics import subscribers as analytics
from commerce.analytics import tasks as analytics_jobs
from commerce.catalog import shared_listings, video_hls
from commerce.catalog import tasks as catalog_jobs
from commerce.config import Settings, get_settings
from commerce.db import after_commit
from commerce.delivery import stamped
from commerce.delivery import subscribers as delivery
from commerce.delivery import tasks as delivery_jobs
from commerce.jobs import Job
from commerce.jobs.timers import Timer
from commerce.notifications import email_sender, push_sender, sms_sender
from commerce.notifications import tasks as notification_jobs
from commerce.notifications.channels import LoggingPushSender, LoggingSmsSender
from commerce.notifications.email import OutboxEmailSender, SmtpEmailSender
from commerce.observability import metrics
from commerce.orders import tasks as order_jobs
from commerce.orders.rates import configured_provider
from commerce.payments import gateway
from commerce.payments import tasks as payment_jobs
from commerce.payments.connect import connect_provider
from commerce.payments.testpay import TestPayGateway
from commerce.payments.testpay_connect import TestPayConnect
from commerce.payouts import subscribers as payouts
from commerce.payouts import tasks as payout_jobs
from commerce.privacy import tasks as privacy_jobs
from commerce.search import search_index
from commerce.search import subscribers as search
from commerce.search import tasks as search_jobs
from commerce.search.embedded import TantivySearchIndex
from commerce.storage.local import LocalBlobStore
from commerce.webhooks_out import subscribers as webhooks
from commerce.webhooks_out import tasks as webhook_jobs

# -- Adapters: an embedded stand-in unless the environment names a real service. --------
# The clients of real services (boto3, stripe, meilisearch, redis, pywebpush, twilio) are imported only when
# chosen: each costs a quarter of a second at every start of a process that never uses it.


def _email_sender(config: Settings):
    if config.smtp_url:
        return SmtpEmailSender(config.smtp_url, config.mail_from)
    return OutboxEmailSender(config.outbox_dir, config.mail_from)


def _blob_store(config: Settings):
    if config.s3_bucket:
        from commerce.storage.s3 import S3BlobStore

        return S3BlobStore(config.s3_bucket, endpoint_url=config.s3_endpoint_url, region=config.s3_region)
    return LocalBlobStore(
        config.storage_dir,
        config.secret_key,
        encryption_key=config.blob_encryption_key,
        previous_encryption_keys=config.blob_previous_keys,
    )


def _search_index(config: Settings):
    """Meilisearch when MEILI_URL is set (its settings applied once per process), else the
    embedded tantivy index in the data folder. A Meilisearch that is down raises
    SearchUnavailable here, and the slot tries again on the next call."""
    if config.meili_url:
        from commerce.search.meili import MeiliSearchIndex

        index = MeiliSearchIndex(config.meili_url, config.meili_master_key)
        index.configure()
        return index
    return TantivySearchIndex(config.search_index_dir)


def _payment_gateway(config: Settings):
    """Stripe when STRIPE_SECRET_KEY is set; otherwise the embedded test gateway
    (which refuses to run in production)."""
    if config.stripe_secret_key:
        from commerce.payments.stripe import StripeGateway

        return StripeGateway(config.stripe_secret_key, config.stripe_webhook_secret or "")
    return TestPayGateway.for_environment(
        config.app_env, config.secret_key, config.base_url, send_event=payment_jobs.send_testpay_event
    )


def _connect_provider(config: Settings):
    """Stripe Connect beside Stripe payments; otherwise TestPay's local payout accounts
    (refused in production)."""
    if config.stripe_secret_key:
        from commerce.payments.stripe_connect import StripeConnect

        return StripeConnect(config.stripe_secret_key, config.stripe_connect_webhook_secret or "")
    return TestPayConnect.for_environment(
        config.app_env, config.secret_key, config.base_url, send_event=payment_jobs.send_testpay_event
    )


def _push_sender(config: Settings):
    """Web Push where a VAPID key is set (derived from SECRET_KEY outside production)."""
    if config.vapid_private_key:
        from commerce.notifications.webpush import WebPushSender

        return WebPushSender(
            config.vapid_private_key,
            config.vapid_subject,
            timeout=config.webhook_timeout_seconds,
            allow_loopback=config.webhooks_allow_loopback,
        )
    return LoggingPushSender()


def _sms_sender(config: Settings):
    """Twilio when TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are set."""
    if config.twilio_account_sid and config.twilio_auth_token and config.twilio_from:
        from commerce.notifications.sms_twilio import TwilioSmsSender

        return TwilioSmsSender(config.twilio_account_sid, config.twilio_auth_token, config.twilio_from)
    return LoggingSmsSender()


def _attempt_counter(config: Settings):
    if config.redis_url:
        import redis

        client = redis.Redis.from_url(config.redis_url, socket_timeout=2, socket_connect_timeout=2)
        return ratelimit.RedisAttemptCounter(client)
    return ratelimit.MemoryAttemptCounter()


# -- What happens after what: each event's subscribers, run in the publishing transaction.


def _count_after_commit(counter: Counter) -> events.Subscriber:
    """A subscriber adding one to a /metrics counter once the transaction commits
    (a payment rolled back counts nothing)."""

    def count(s: Session, _event: object) -> None:
        after_commit(s, counter.inc)

    return count


SUBSCRIBERS: events.SubscriberTable = {
    events.OrderPaid: [
        analytics.count_sale,  # after commit: purchase events, the sellers' in-app notice, rollup
        webhooks.order_paid,  # after commit: order.paid to each seller's endpoints, their lines only
        _count_after_commit(metrics.ORDERS_PAID),  # after commit: marketplace_orders_paid_total
    ],
    events.OrderRefunded: [
        analytics.count_refund,  # refund events, the buyer's in-app notice; rollup after commit
        payouts.recover_after_refund,  # after commit: take paid-out earnings back from transfers
        webhooks.order_refunded,  # after commit: order.refunded to the refunded lines' sellers
        _count_after_commit(metrics.ORDERS_REFUNDED),  # after commit: marketplace_orders_refunded_total
    ],
    events.OrderDisputed: [
        webhooks.order_disputed,  # after commit: order.disputed to the order's sellers
    ],
    events.FulfilmentGranted: [
        delivery.deliver_after_payment,  # after commit: issue keys, start stamped PDFs
        search.sales_count_changed,  # after commit: the product's popularity moves (reindex debounced)
    ],
    events.FulfilmentRevoked: [
        delivery.withdraw_access,  # keys revoked, download links refused from the commit on
        search.sales_count_changed,
        payouts.recover_after_revocation,  # after commit: a dispute of paid-out earnings, as a refund
    ],
    events.ProductsChanged: [
        search.reindex_after_commit,  # one reindex job per transaction
        shared_listings.forget_after_commit,  # after commit: the home page's shared copy is stale
    ],
    events.VersionReleased: [
        delivery.tell_owners_of_update,  # after commit: library badge and update emails (v2+)
        webhooks.version_released,  # after commit: product.version_released
    ],
    events.KeysRestocked: [
        delivery.deliver_sales_waiting_for_keys,  # after commit: sales that waited for a key
    ],
    events.ProductPublished: [
        webhooks.product_published,  # after commit: product.published
    ],
    events.LicenseKeyActivated: [
        webhooks.license_key_activated,  # only enqueues after commit: the license API stays cheap
    ],
    events.LicenseKeyDeactivated: [
        webhooks.license_key_deactivated,  # only enqueues after commit
    ],
    events.ReviewCreated: [
        webhooks.review_created,  # after commit: review.created to the product's seller
    ],
    events.PayoutPaid: [
        payouts.tell_seller_paid,  # the seller's in-app notice, and an email after commit
        webhooks.payout_paid,  # after commit: payout.paid
    ],
    events.PayoutFailed: [
        payouts.tell_seller_failed,  # the seller's notice and email: the money is available again
        webhooks.payout_failed,  # after commit: payout.failed
        _count_after_commit(metrics.PAYOUTS_FAILED),  # after commit: marketplace_payouts_failed_total
    ],
}

# -- Everything that runs in the background. ----------------------------------------------

JOBS: tuple[Job, ...] = (
    catalog_jobs.purge_abandoned_uploads,
    delivery_jobs.deliver_fulfilment,
    delivery_jobs.deliver_waiting,
    delivery_jobs.notify_product_update,
    stamped.make_stamped_copy,
    video_hls.segment_video,
    search_jobs.reindex_dirty_products,
    search_jobs.products_sold,
    analytics_jobs.record_paid_order,
    analytics_jobs.record_missed_sales,
    analytics_jobs.roll_up_analytics,
    analytics_jobs.purge_analytics_events,
    notification_jobs.send_email,
    notification_jobs.send_push,
    notification_jobs.push_to_device,
    notification_jobs.send_sms,
    order_jobs.refresh_exchange_rates,
    order_jobs.send_paid_emails,
    payment_jobs.deliver_testpay_event,
    webhook_jobs.record_event,
    webhook_jobs.deliver_webhook,
    webhook_jobs.send_due_webhooks,
    privacy_jobs.build_export,
    privacy_jobs.privacy_upkeep,
    payout_jobs.send_payout,
    payout_jobs.return_failed_payout,
    payout_jobs.recover_balance,
    payout_jobs.run_scheduled_payouts,
)


# -- What the web app sends on a schedule (once per period across replicas). ----------------

MINUTE, HOUR, DAY = 60, 60 * 60, 24 * 60 * 60
TIMERS: tuple[Timer, ...] = (
    Timer(analytics_jobs.roll_up_analytics, MINUTE),  # views and anything a sale's rollup missed
    Timer(analytics_jobs.record_missed_sales, MINUTE),  # paid orders whose counting job was lost
    Timer(analytics_jobs.purge_analytics_events, DAY),  # visitor events past their retention
    Timer(webhook_jobs.send_due_webhooks, 15),  # retries now due, attempts whose worker died
    Timer(payout_jobs.run_scheduled_payouts, 10 * MINUTE),  # the admin's payout schedule, when due
    Timer(catalog_jobs.purge_abandoned_uploads, HOUR),  # uploads never finished
    Timer(privacy_jobs.privacy_upkeep, 6 * HOUR),  # IP addresses past retention, expired exports
    # The ECB publishes once a working day; only when a rates feed is configured.
    Timer(order_jobs.refresh_exchange_rates, DAY, active=lambda: configured_provider() is not None),
)


def configure() -> None:
    """Plug in the adapters the settings name and install the subscribers (idempotent).

    Adapters are built on first use, so configuring reaches no server; call `reset()`
    after changing the environment (tests) to rebuild them from the new settings.
    """
    storage.blob_store.plug(lambda: _blob_store(get_settings()))
    search_index.plug(lambda: _search_index(get_settings()))
    gateway.plug(lambda: _payment_gateway(get_settings()))
    connect_provider.plug(lambda: _connect_provider(get_settings()))
    email_sender.plug(lambda: _email_sender(get_settings()))
    push_sender.plug(lambda: _push_sender(get_settings()))
    sms_sender.plug(lambda: _sms_sender(get_settings()))
    ratelimit.attempt_counter.plug(lambda: _attempt_counter(get_settings()))
    events.install(SUBSCRIBERS)


def reset() -> None:
    """Forget the settings and every built adapter (tests change the environment)."""
    get_settings.cache_clear()
    for slot in (
        storage.blob_store,
        search_index,
        gateway,
        connect_provider,
        email_sender,
        push_sender,
        sms_sender,
        ratelimit.attempt_counter,
    ):
        slot.forget()
