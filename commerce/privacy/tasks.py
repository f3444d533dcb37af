"""Privacy jobs: building an export, and the daily upkeep (old IP addresses, expired exports)."""

from __future__ import annotations

import logging

from sqlmodel import Session

from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.jobs import enqueue_after_commit, job
from commerce.models import PrivacyRequest, PrivacyRequestStatus
from commerce.privacy import exports, retention

log = logging.getLogger("commerce.privacy")


@job(max_retries=5, min_backoff_ms=10_000)
def build_export(request_id: int) -> None:
    """Write a person's export ZIP; the row's status makes a second run a no-op."""
    try:
        with unit_of_work() as s:
            exports.write_export(s, request_id)
    except Exception:
        log.exception("export %s could not be built", request_id)
        with unit_of_work() as s:
            row = s.get(PrivacyRequest, request_id)
            if row is not None and row.status == PrivacyRequestStatus.PENDING:
                row.error = "The export could not be built; it is tried again."
                s.add(row)
        raise


def schedule_export(s: Session, request_id: int) -> None:
    enqueue_after_commit(s, build_export, request_id=request_id)


@job(max_retries=3, min_backoff_ms=60_000)
def privacy_upkeep() -> None:
    """Forget IP addresses past the retention period; delete expired export files, passkey
    challenges and half-finished sign-ins."""
    with unit_of_work() as s:
        days = get_settings().ip_retention_days
        forgotten = retention.forget_old_ip_addresses(s, retention_days=days)
        forgotten += retention.forget_old_sign_in_addresses(s, retention_days=days)
        purged = retention.purge_expired_exports(s)
        steps = retention.forget_expired_sign_in_steps(s)
    if forgotten or purged or steps:
        log.info(
            "privacy upkeep: %d IP addresses forgotten, %d exports deleted, %d expired sign-in steps deleted",
            forgotten,
            purged,
            steps,
        )
