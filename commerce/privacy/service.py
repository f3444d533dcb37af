"""What the account page and the admin console call: exports, erasure, the request log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_admin
from commerce.kit.pagination import Page, make_page, page_bounds
from commerce.kit.time import minute_label
from commerce.models import PrivacyRequest, User, by_id, saved_id
from commerce.privacy.exports import ExportView, my_exports, start_export
from commerce.privacy.tasks import schedule_export


def request_export(s: Session, actor: Actor) -> list[ExportView]:
    """Ask for an export (built in the background); returns the person's export list."""
    row = start_export(s, actor)
    schedule_export(s, saved_id(row))  # again for a pending one: the job builds it once
    return my_exports(s, actor)


@dataclass(frozen=True)
class PrivacyLogRow:
    id: int
    kind: str
    status: str
    user_id: int
    # The account as it is now: an erased one shows its pseudonym.
    user_label: str
    requested_at: datetime
    completed_at: datetime | None
    requested_label: str
    completed_label: str


def privacy_log(s: Session, actor: Actor, *, page: int = 1, per_page: int = 50) -> Page:
    """Every export and erasure request, newest first (admins only)."""
    require_admin(actor, "privacy_log")
    page, per_page = page_bounds(page, per_page)
    total = s.exec(select(func.count()).select_from(PrivacyRequest)).one()
    rows = s.exec(
        select(PrivacyRequest)
        .order_by(col(PrivacyRequest.requested_at).desc(), col(PrivacyRequest.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    users = by_id(s.exec(select(User).where(col(User.id).in_({r.user_id for r in rows}))).all()) if rows else {}
    return make_page(
        [
            PrivacyLogRow(
                id=row.id or 0,
                kind=row.kind.value,
                status=row.status.value,
                user_id=row.user_id,
                user_label=users[row.user_id].email if row.user_id in users else "",
                requested_at=row.requested_at,
                completed_at=row.completed_at,
                requested_label=minute_label(row.requested_at),
                completed_label=minute_label(row.completed_at),
            )
            for row in rows
        ],
        page,
        per_page,
        total,
    )
