"""The append-only record of admin decisions: who, when, what and why.

`record` is called by every decision in the same transaction as the change it
describes, so a decision and its record commit (or roll back) together. Records
are never updated or deleted (the model refuses both).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, tuple_
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_admin
from commerce.i18n import bo_gettext, bo_N_
from commerce.kit.pagination import Page, make_page, page_bounds
from commerce.kit.time import minute_label
from commerce.models import AuditRecord, User, saved_id

ACTION_LABELS = {
    "approve_product": bo_N_("Approved product"),
    "reject_product": bo_N_("Rejected product"),
    "hide_review": bo_N_("Hid review"),
    "dismiss_report": bo_N_("Dismissed report"),
    "suspend_seller": bo_N_("Suspended seller"),
    "reinstate_seller": bo_N_("Reinstated seller"),
    "promote_admin": bo_N_("Made administrator"),
    "refund_order": bo_N_("Refunded order"),
    "set_take_rate": bo_N_("Changed take rate"),
    "set_tax_rate": bo_N_("Changed tax rate"),
    "enable_currency": bo_N_("Enabled currency"),
    "disable_currency": bo_N_("Disabled currency"),
    "set_banned_words": bo_N_("Changed banned words"),
    "revoke_order_access": bo_N_("Revoked order access"),
    "reset_order_downloads": bo_N_("Reset order downloads"),
    "set_payout_schedule": bo_N_("Changed payout schedule"),
    "run_payouts": bo_N_("Ran payouts"),
    "revoke_leaked_purchase": bo_N_("Revoked a leaked purchase"),
    "set_feature_flag": bo_N_("Changed feature flag"),
}


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor_name: str
    actor_email: str
    action: str
    action_label: str
    subject: str
    subject_id: str
    subject_label: str
    reason: str
    created_at: datetime
    when_label: str


def record(
    s: Session, admin_id: int, action: str, subject: str, subject_id: object, *, label: str = "", reason: str = ""
) -> None:
    if action not in ACTION_LABELS:
        raise ValueError(f"unknown audit action {action!r}")
    s.add(
        AuditRecord(
            actor_user_id=admin_id,
            action=action,
            subject=subject,
            subject_id=str(subject_id),
            subject_label=label[:200],
            reason=reason[:1000],
        )
    )
    s.flush()


def _entries(s: Session, rows: list[AuditRecord]) -> list[AuditEntry]:
    people = (
        {
            user.id: user
            for user in s.exec(select(User).where(col(User.id).in_({row.actor_user_id for row in rows}))).all()
        }
        if rows
        else {}
    )
    return [
        AuditEntry(
            id=saved_id(row),
            actor_name=people[row.actor_user_id].display_name,
            actor_email=people[row.actor_user_id].email,
            action=row.action,
            action_label=bo_gettext(ACTION_LABELS[row.action]) if row.action in ACTION_LABELS else row.action,
            subject=row.subject,
            subject_id=row.subject_id,
            subject_label=row.subject_label,
            reason=row.reason,
            created_at=row.created_at,
            when_label=minute_label(row.created_at),
        )
        for row in rows
    ]


def history(
    s: Session, subjects: list[tuple[str, str]], *, limit_each: int = 5
) -> dict[tuple[str, str], list[AuditEntry]]:
    """Earlier decisions about each (subject, subject id), newest first (for the queue)."""
    if not subjects:
        return {}
    rows = s.exec(
        select(AuditRecord)
        .where(tuple_(AuditRecord.subject, AuditRecord.subject_id).in_(subjects))
        .order_by(col(AuditRecord.created_at).desc(), col(AuditRecord.id).desc())
    ).all()
    found: dict[tuple[str, str], list[AuditEntry]] = {}
    for entry in _entries(s, list(rows)):
        bucket = found.setdefault((entry.subject, entry.subject_id), [])
        if len(bucket) < limit_each:
            bucket.append(entry)
    return found


def list_audit(
    s: Session, actor: Actor, *, action: str = "", subject: str = "", page: int = 1, per_page: int = 50
) -> Page:
    """Admins browse the record, newest first, optionally by action and by subject kind."""
    require_admin(actor, "list_audit")
    page, per_page = page_bounds(page, per_page)
    conditions = []
    if action in ACTION_LABELS:
        conditions.append(AuditRecord.action == action)
    if subject:
        conditions.append(AuditRecord.subject == subject[:16])
    total = s.exec(select(func.count()).select_from(AuditRecord).where(*conditions)).one()
    rows = s.exec(
        select(AuditRecord)
        .where(*conditions)
        .order_by(col(AuditRecord.created_at).desc(), col(AuditRecord.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return make_page(_entries(s, list(rows)), page, per_page, total)
