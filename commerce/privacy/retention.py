"""Retention: what is forgotten after a while (docs/privacy.md).

Download logs keep who downloaded what and when (limits and sales figures need that),
but their IP prefix and browser only for `IP_RETENTION_DAYS` (30 by default).
Security activity and sign-in sessions keep the device but lose the IP address after the
same period. Export files are deleted when their link expires.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col

from commerce.kit.time import utcnow
from commerce.models import AuthSession, DownloadEvent
from commerce.models.security import PendingSignIn, SecurityEvent, WebAuthnChallenge
from commerce.privacy.exports import delete_export_files


def forget_old_ip_addresses(s: Session, *, retention_days: int) -> int:
    """Blank the IP prefix and user agent of download log rows older than the period."""
    cutoff = utcnow() - timedelta(days=retention_days)
    result = s.exec(
        update(DownloadEvent)
        .where(
            col(DownloadEvent.created_at) < cutoff,
            or_(col(DownloadEvent.ip_prefix) != "", col(DownloadEvent.user_agent) != ""),
        )
        .values(ip_prefix="", user_agent="")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def forget_old_sign_in_addresses(s: Session, *, retention_days: int) -> int:
    """Blank the IP address of security activity and sign-in sessions older than the period
    (what happened and the device name stay, for the owner's security page)."""
    cutoff = utcnow() - timedelta(days=retention_days)
    forgotten = 0
    for table, when in ((SecurityEvent, SecurityEvent.created_at), (AuthSession, AuthSession.created_at)):
        result = s.exec(
            update(table)
            .where(col(when) < cutoff, col(table.ip).is_not(None))
            .values(ip=None)
            .execution_options(synchronize_session=False)
        )
        forgotten += int(result.rowcount or 0)
    return forgotten


def forget_expired_sign_in_steps(s: Session) -> int:
    """Delete passkey challenges and half-finished sign-ins (password given, second factor
    awaited) once they expired: they are no use to anyone after that and name an account."""
    now = utcnow()
    forgotten = 0
    for table in (WebAuthnChallenge, PendingSignIn):
        result = s.exec(delete(table).where(col(table.expires_at) < now).execution_options(synchronize_session=False))
        forgotten += int(result.rowcount or 0)
    return forgotten


def purge_expired_exports(s: Session) -> int:
    return delete_export_files(s, expired_before=utcnow())
