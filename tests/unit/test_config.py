"""Settings: embedded defaults, and production refusing them."""

import pytest

from commerce.config import DEFAULT_SECRET_KEY, ConfigurationError, load_settings

GOOD_PRODUCTION = {
    "APP_ENV": "production",
    "DATABASE_URL": "postgres://app@db/market",
    "SECRET_KEY": "k" * 40,
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
    "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_connect_x",
    "LICENSE_ENCRYPTION_KEY": "ab" * 32,
    "BLOB_ENCRYPTION_KEY": "cd" * 32,
}


def test_defaults_are_embedded():
    settings = load_settings({"DATA_DIR": "/tmp/mp-data"})
    assert settings.database_url == "sqlite:////tmp/mp-data/marketplace.db"
    assert settings.payment_provider == "testpay"
    assert settings.redis_url is None
    assert settings.smtp_url is None
    assert settings.outbox_dir.name == "outbox"
    assert settings.max_upload_bytes == 2 * 1024**3
    assert settings.secret_key == DEFAULT_SECRET_KEY
    settings.check_production_ready()  # development accepts the defaults


def test_postgres_urls_use_psycopg3():
    assert load_settings({"DATABASE_URL": "postgres://u@h/d"}).database_url == "postgresql+psycopg://u@h/d"


def test_production_accepts_real_services():
    settings = load_settings(GOOD_PRODUCTION)
    settings.check_production_ready()
    assert settings.license_encryption_key == bytes.fromhex("ab" * 32)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"STRIPE_SECRET_KEY": ""}, "test payment gateway"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DATABASE_URL": ""}, "SQLite"),
        ({"LICENSE_ENCRYPTION_KEY": ""}, "LICENSE_ENCRYPTION_KEY"),
        ({"STRIPE_WEBHOOK_SECRET": ""}, "STRIPE_WEBHOOK_SECRET"),
        ({"BLOB_ENCRYPTION_KEY": ""}, "BLOB_ENCRYPTION_KEY"),
        ({"STRIPE_CONNECT_WEBHOOK_SECRET": ""}, "STRIPE_CONNECT_WEBHOOK_SECRET"),
    ],
)
def test_production_refuses_laptop_defaults(change, complaint):
    with pytest.raises(ConfigurationError, match=complaint):
        load_settings({**GOOD_PRODUCTION, **change}).check_production_ready()


def test_malformed_license_key_is_refused():
    with pytest.raises(ConfigurationError, match="64 hex"):
        load_settings({"LICENSE_ENCRYPTION_KEY": "nothex"})


def test_analytics_retention_is_a_number_of_days_of_at_least_two():
    assert load_settings({}).analytics_retention_days == 90
    assert load_settings({"ANALYTICS_RETENTION_DAYS": "30"}).analytics_retention_days == 30
    assert load_settings({"ANALYTICS_RETENTION_DAYS": ""}).analytics_retention_days == 90
    for bad in ("1", "-5", "ninety"):
        with pytest.raises(ConfigurationError, match="ANALYTICS_RETENTION_DAYS"):
            load_settings({"ANALYTICS_RETENTION_DAYS": bad})


def test_files_on_s3_need_no_blob_key_and_ip_retention_defaults_to_30_days():
    settings = load_settings({**GOOD_PRODUCTION, "BLOB_ENCRYPTION_KEY": "", "S3_BUCKET": "files"})
    settings.check_production_ready()  # S3 encrypts on its side
    assert settings.ip_retention_days == 30
    assert load_settings({"IP_RETENTION_DAYS": "7"}).ip_retention_days == 7
    with pytest.raises(ConfigurationError, match="IP_RETENTION_DAYS"):
        load_settings({"IP_RETENTION_DAYS": "0"})


def test_logs_are_json_in_production_and_readable_lines_elsewhere():
    assert load_settings({}).log_format == "console"
    assert load_settings(GOOD_PRODUCTION).log_format == "json"
    assert load_settings({**GOOD_PRODUCTION, "LOG_FORMAT": "console"}).log_format == "console"
    assert load_settings({"LOG_LEVEL": "debug"}).log_level == "DEBUG"


@pytest.mark.parametrize("variable", [{"LOG_FORMAT": "xml"}, {"LOG_LEVEL": "loud"}])
def test_unknown_log_settings_are_refused(variable):
    with pytest.raises(ConfigurationError):
        load_settings(variable)


def test_metrics_and_error_reports_are_off_unless_configured():
    settings = load_settings({})
    assert settings.metrics_token is None
    assert settings.sentry_dsn is None
    configured = load_settings({"METRICS_TOKEN": "t", "SENTRY_DSN": "https://k@sentry.example/1"})
    assert configured.metrics_token == "t"
    assert configured.sentry_dsn == "https://k@sentry.example/1"


def test_a_dead_workers_jobs_move_on_after_job_redelivery_seconds():
    # dramatiq's defaults (60 s, and dead workers looked for on 0.1 % of commands) left a
    # killed worker's delivery waiting a quarter of an hour on average.
    assert load_settings({}).job_broker_options == {"heartbeat_timeout": 60_000, "maintenance_chance": 16_666}
    quick = load_settings({"JOB_REDELIVERY_SECONDS": "5"}).job_broker_options
    assert quick == {"heartbeat_timeout": 5_000, "maintenance_chance": 200_000}


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "soon", "3601"])
def test_job_redelivery_seconds_must_be_whole_seconds(value):
    with pytest.raises(ConfigurationError, match="JOB_REDELIVERY_SECONDS"):
        load_settings({"JOB_REDELIVERY_SECONDS": value})
