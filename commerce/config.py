"""Settings from the environment, with embedded defaults for `make run`.

With no environment at all the app runs on a SQLite file, local storage, the test
payment gateway, an email outbox folder and in-process jobs. `APP_ENV=production`
refuses those defaults that are unsafe outside a laptop.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    app_env: str
    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    base_url: str
    meili_url: str | None
    meili_master_key: str | None
    s3_bucket: str | None
    s3_endpoint_url: str | None
    s3_region: str | None
    stripe_secret_key: str | None
    stripe_webhook_secret: str | None
    smtp_url: str | None
    mail_from: str
    max_upload_bytes: int
    session_days: int
    license_encryption_key: bytes
    license_key_configured: bool
    # Visitor events (views, carts, checkouts, downloads) older than this are deleted; rollups stay.
    analytics_retention_days: int = 90
    # The ECB's daily reference rates (or a feed in its format); unset keeps the stored rates.
    exchange_rates_url: str | None = None
    # Outbound webhooks: loopback addresses (127.0.0.1, ::1) are refused unless this is set,
    # for development and the tests; private and link-local ones are refused always.
    webhooks_allow_loopback: bool = False
    # Seconds to connect and then to wait for each read of an endpoint's answer.
    webhook_timeout_seconds: float = 10.0
    # Download logs (and sign-in activity) keep their IP addresses this long (docs/privacy.md).
    ip_retention_days: int = 30
    # AES-256-GCM key of the local blob store's files (BLOB_ENCRYPTION_KEY, 64 hex characters).
    blob_encryption_key: bytes = b""
    # Retired blob keys (BLOB_ENCRYPTION_PREVIOUS_KEYS) whose files still read until resealed.
    blob_previous_keys: tuple[bytes, ...] = ()
    blob_key_configured: bool = False
    # The signing secret of the Stripe Connect webhook endpoint (/api/webhooks/stripe/connect).
    stripe_connect_webhook_secret: str | None = None
    # Web Push (VAPID, RFC 8292): the application server's P-256 private key as 32 bytes in
    # base64url (`python -m commerce.cli vapid-key` makes one), and who push services may
    # contact about it. Outside production an unset key is derived from SECRET_KEY.
    vapid_private_key: str | None = None
    vapid_subject: str = "mailto:admin@localhost"
    # Twilio sends the SMS messages when all three are set; otherwise they are only logged.
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    # Log lines: "json" (one object per line, the default in production) or "console".
    log_format: str = "console"
    log_level: str = "INFO"
    # Error reports go to Sentry when set (docs/operations.md, Metrics, logs and health).
    sentry_dsn: str | None = None
    # The bearer token GET /metrics asks for; unset, /metrics answers 404.
    metrics_token: str | None = None
    # Keys LICENSE_ENCRYPTION_KEY replaced, still accepted for reading while
    # `python -m commerce.cli rotate-keys` re-encrypts what they sealed (docs/operations.md).
    license_previous_keys: tuple[bytes, ...] = ()
    # Values SECRET_KEY replaced (SECRET_KEY_PREVIOUS, comma-separated): recovery codes
    # hashed under them keep working (docs/operations.md, Rotating secrets).
    previous_secret_keys: tuple[str, ...] = ()
    # With Redis workers: a worker silent this long is taken for dead (killed, its machine
    # gone) and the jobs it had taken are handed to another worker (see job_broker_options).
    job_redelivery_seconds: int = 60

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def payment_provider(self) -> str:
        return "stripe" if self.stripe_secret_key else "testpay"

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from)

    @property
    def job_broker_options(self) -> dict[str, int]:
        """dramatiq's RedisBroker options for `job_redelivery_seconds`.

        A dead worker's jobs go back to their queue during "maintenance", which dramatiq runs
        per queue on a random share of the commands naming that queue (0.1 % by default). An
        idle worker asks each queue for work about once a second, so by default a killed
        worker's delivery waited a quarter of an hour on average. One chance in `seconds` per
        command makes it about `seconds` on average once the heartbeats have been missing
        for `seconds`.
        """
        seconds = self.job_redelivery_seconds
        return {"heartbeat_timeout": seconds * 1000, "maintenance_chance": 1_000_000 // seconds}

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "storage"

    @property
    def search_index_dir(self) -> Path:
        return self.data_dir / "search-index"

    def check_production_ready(self) -> None:
        """Refuse to run production on defaults meant for a laptop."""
        if not self.is_production:
            return
        problems = []
        if self.payment_provider == "testpay":
            problems.append("the test payment gateway is refused: set STRIPE_SECRET_KEY")
        if self.stripe_secret_key and not self.stripe_webhook_secret:
            problems.append("STRIPE_WEBHOOK_SECRET is required with Stripe")
        if self.stripe_secret_key and not self.stripe_connect_webhook_secret:
            problems.append("STRIPE_CONNECT_WEBHOOK_SECRET is required with Stripe (payouts)")
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
            problems.append("SECRET_KEY must be set to a random value of 32+ characters")
        if self.database_url.startswith("sqlite"):
            problems.append("SQLite is refused: set DATABASE_URL to PostgreSQL")
        if self.webhooks_allow_loopback:
            problems.append("WEBHOOKS_ALLOW_LOOPBACK is for development only")
        if not self.license_key_configured:
            problems.append("LICENSE_ENCRYPTION_KEY must be set (64 hex characters)")
        if any((self.twilio_account_sid, self.twilio_auth_token, self.twilio_from)) and not self.twilio_configured:
            problems.append("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM go together")
        if not self.s3_bucket and not self.blob_key_configured:
            problems.append("BLOB_ENCRYPTION_KEY must be set (64 hex characters) for files stored on local disk")
        if problems:
            raise ConfigurationError("Production configuration refused: " + "; ".join(problems) + ".")


def _license_key(env, secret_key: str, name: str = "LICENSE_ENCRYPTION_KEY", label: bytes = b"license-keys:") -> bytes:
    explicit = env.get(name)
    if explicit:
        try:
            key = bytes.fromhex(explicit)
        except ValueError as exc:
            raise ConfigurationError(f"{name} must be 64 hex characters.") from exc
        if len(key) != 32:
            raise ConfigurationError(f"{name} must be 64 hex characters.")
        return key
    # Development only (production requires the explicit key): derived so that a
    # laptop's demo data stays decryptable across restarts.
    return hashlib.sha256(label + secret_key.encode()).digest()


def _vapid_key(env, secret_key: str) -> str | None:
    """The VAPID private key (base64url of 32 bytes), or None when Web Push cannot run."""
    explicit = (env.get("VAPID_PRIVATE_KEY") or "").strip()
    if explicit:
        padded = explicit + "=" * (-len(explicit) % 4)
        try:
            raw = base64.urlsafe_b64decode(padded)
        except ValueError as exc:
            raise ConfigurationError("VAPID_PRIVATE_KEY must be 32 bytes in base64url.") from exc
        if len(raw) != 32:
            raise ConfigurationError("VAPID_PRIVATE_KEY must be 32 bytes in base64url.")
        return explicit
    if env.get("APP_ENV", "development") == "production":
        return None  # production sends no push until an operator sets a key of its own
    # Development only: derived so that a laptop's browser subscriptions survive restarts.
    # A digest below the P-256 group order (all but a 2**-32 chance) is a valid private key.
    return base64.urlsafe_b64encode(hashlib.sha256(b"vapid:" + secret_key.encode()).digest()).decode().rstrip("=")


def _listed(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _previous_keys(value: str, name: str = "LICENSE_ENCRYPTION_PREVIOUS_KEYS") -> tuple[bytes, ...]:
    """Retired keys (LICENSE_/BLOB_ENCRYPTION_PREVIOUS_KEYS), 64 hex characters each, comma-separated."""
    return tuple(_license_key({name: text}, "", name) for text in _listed(value))


def _days(name: str, value: str, minimum: int = 1) -> int:
    if not value.strip().isdigit() or int(value) < minimum:
        raise ConfigurationError(f"{name} must be a whole number of days, {minimum} or more.")
    return int(value)


def _retention_days(value: str) -> int:
    # Two days at least: the rollups of today and yesterday are recomputed from the events.
    if not value.strip().isdigit() or int(value) < 2:
        raise ConfigurationError("ANALYTICS_RETENTION_DAYS must be a whole number of days, 2 or more.")
    return int(value)


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _seconds(value: str, name: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0
    if not 0 < seconds <= 60:
        raise ConfigurationError(f"{name} must be a number of seconds above 0 and at most 60.")
    return seconds


def _whole_seconds(name: str, value: str) -> int:
    if not value.strip().isdigit() or not 1 <= int(value) <= 3600:
        raise ConfigurationError(f"{name} must be a whole number of seconds from 1 to 3600.")
    return int(value)


def _log_format(value: str) -> str:
    if value not in ("json", "console"):
        raise ConfigurationError("LOG_FORMAT must be json or console.")
    return value


def _log_level(value: str) -> str:
    if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigurationError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL.")
    return value.upper()


def _normalise_database_url(url: str) -> str:
    # Plain postgresql:// would pick psycopg2, which we do not ship.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("DATA_DIR") or PROJECT_ROOT / "data").resolve()
    secret_key = env.get("SECRET_KEY") or DEFAULT_SECRET_KEY
    port = env.get("PORT", "3000")
    return Settings(
        app_env=env.get("APP_ENV", "development"),
        data_dir=data_dir,
        database_url=_normalise_database_url(env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'marketplace.db'}"),
        redis_url=env.get("REDIS_URL") or None,
        secret_key=secret_key,
        base_url=(env.get("BASE_URL") or f"http://localhost:{port}").rstrip("/"),
        meili_url=env.get("MEILI_URL") or None,
        meili_master_key=env.get("MEILI_MASTER_KEY") or None,
        s3_bucket=env.get("S3_BUCKET") or None,
        s3_endpoint_url=env.get("S3_ENDPOINT_URL") or None,
        s3_region=env.get("S3_REGION") or None,
        stripe_secret_key=env.get("STRIPE_SECRET_KEY") or None,
        stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET") or None,
        smtp_url=env.get("SMTP_URL") or None,
        mail_from=env.get("MAIL_FROM", "Marketplace <no-reply@localhost>"),
        max_upload_bytes=int(env.get("MAX_UPLOAD_BYTES", str(2 * 1024**3))),
        session_days=int(env.get("SESSION_DAYS", "30")),
        license_encryption_key=_license_key(env, secret_key),
        license_key_configured=bool(env.get("LICENSE_ENCRYPTION_KEY")),
        analytics_retention_days=_retention_days(env.get("ANALYTICS_RETENTION_DAYS") or "90"),
        exchange_rates_url=env.get("EXCHANGE_RATES_URL") or None,
        webhooks_allow_loopback=_flag(env.get("WEBHOOKS_ALLOW_LOOPBACK", "")),
        webhook_timeout_seconds=_seconds(env.get("WEBHOOK_TIMEOUT_SECONDS") or "10", "WEBHOOK_TIMEOUT_SECONDS"),
        ip_retention_days=_days("IP_RETENTION_DAYS", env.get("IP_RETENTION_DAYS") or "30"),
        blob_encryption_key=_license_key(env, secret_key, "BLOB_ENCRYPTION_KEY", b"blob-store:"),
        blob_key_configured=bool(env.get("BLOB_ENCRYPTION_KEY")),
        stripe_connect_webhook_secret=env.get("STRIPE_CONNECT_WEBHOOK_SECRET") or None,
        vapid_private_key=_vapid_key(env, secret_key),
        vapid_subject=env.get("VAPID_SUBJECT") or "mailto:admin@localhost",
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
        twilio_from=env.get("TWILIO_FROM") or None,
        log_format=_log_format(env.get("LOG_FORMAT") or ("json" if env.get("APP_ENV") == "production" else "console")),
        log_level=_log_level(env.get("LOG_LEVEL") or "INFO"),
        sentry_dsn=env.get("SENTRY_DSN") or None,
        metrics_token=env.get("METRICS_TOKEN") or None,
        license_previous_keys=_previous_keys(env.get("LICENSE_ENCRYPTION_PREVIOUS_KEYS") or ""),
        blob_previous_keys=_previous_keys(
            env.get("BLOB_ENCRYPTION_PREVIOUS_KEYS") or "", "BLOB_ENCRYPTION_PREVIOUS_KEYS"
        ),
        previous_secret_keys=_listed(env.get("SECRET_KEY_PREVIOUS") or ""),
        job_redelivery_seconds=_whole_seconds("JOB_REDELIVERY_SECONDS", env.get("JOB_REDELIVERY_SECONDS") or "60"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
