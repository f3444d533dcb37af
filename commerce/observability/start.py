"""Turning observability on in a process: the web app and the CLI (worker included) call this first."""

from __future__ import annotations

import hashlib

from commerce.config import Settings
from commerce.observability import metrics
from commerce.observability.errors import start_error_reports
from commerce.observability.logs import configure_logging


def start_observability(settings: Settings) -> None:
    """Logs in the configured format, live gauges dropped at exit, Sentry when configured."""
    configure_logging(
        fmt=settings.log_format,
        level=settings.log_level,
        # Its own key, derived: a pseudonym reveals nothing about SECRET_KEY's other uses.
        pseudonym_key=hashlib.sha256(b"log-pseudonyms:" + settings.secret_key.encode()).digest(),
    )
    metrics.start()
    start_error_reports(settings.sentry_dsn, environment=settings.app_env)
