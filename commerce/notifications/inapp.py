"""In-app notifications: written in the transaction that causes them, read by the navbar and a page.

Open pages learn about new ones by asking `live_status` (two indexed lookups)
every few seconds, which works the same with one process or many behind Redis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_signed_in
from commerce.db import insert_unless_present
from commerce.jobs import enqueue_after_commit
from commerce.kit.pagination import Page, make_page, page_bounds, page_within
from commerce.kit.time import utcnow
from commerce.models import Notification, ShopRollup, saved_id
from commerce.notifications import preferences, tasks

PAGE_SIZE = 25


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    created_label: str
    unread: bool


@dataclass(frozen=True)
class LiveStatus:
    latest_id: int
    unread: int
    # When the shop's figures last changed (empty without a shop): the dashboard reloads on a change.
    figures_stamp: str


def _view(row: Notification) -> NotificationView:
    return NotificationView(
        id=saved_id(row),
        kind=row.kind,
        title=row.title,
        body=row.body,
        url=row.url,
        created_at=row.created_at,
        created_label=f"{row.created_at:%d %b %Y, %H:%M} UTC",
        unread=row.read_at is None,
    )


def notify(
    s: Session, user_id: int, *, kind: str, title: str, body: str = "", url: str = "", dedupe_key: str | None = None
) -> bool:
    """Tell `user_id` in the app, and by push and SMS after commit, as their preferences say.

    False when no channel is wanted or `dedupe_key` was notified already.
    """
    told = False
    wanted = preferences.channels_wanted(s, user_id, kind)
    if "in_app" in wanted:
        row = Notification(
            user_id=user_id, kind=kind, title=title[:200], body=body[:1000], url=url[:500], dedupe_key=dedupe_key
        )
        # Without a key nothing conflicts (NULLs are distinct). With one, a notice given already,
        # by an earlier run or one running at the same time, is not given twice.
        if insert_unless_present(s, row, "dedupe_key") is None:
            return False
        told = True
    elif dedupe_key and s.exec(select(Notification.id).where(Notification.dedupe_key == dedupe_key)).first():
        return False
    if "push" in wanted:
        enqueue_after_commit(
            s, tasks.send_push, user_id=user_id, kind=kind, title=title, body=body, url=url, idempotency_key=dedupe_key
        )
        told = True
    if "sms" in wanted and preferences.sms_number(s, user_id):
        enqueue_after_commit(
            s, tasks.send_sms, user_id=user_id, kind=kind, text=f"{title} {body}".strip(), idempotency_key=dedupe_key
        )
        told = True
    return told


def list_notifications(s: Session, actor: Actor, *, page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """The actor's notifications, newest first, a page at a time (of `NotificationView`)."""
    user_id = require_signed_in(actor)
    page, per_page = page_bounds(page, per_page)
    total = s.exec(select(func.count()).select_from(Notification).where(Notification.user_id == user_id)).one()
    page = page_within(page, per_page, total)
    rows = s.exec(
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(col(Notification.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return make_page([_view(row) for row in rows], page, per_page, total)


def notifications_after(s: Session, actor: Actor, after_id: int) -> list[NotificationView]:
    """The actor's notifications newer than `after_id`, oldest first (for toasts)."""
    user_id = require_signed_in(actor)
    rows = s.exec(
        select(Notification)
        .where(Notification.user_id == user_id, col(Notification.id) > after_id)
        .order_by(col(Notification.id))
        .limit(20)
    ).all()
    return [_view(row) for row in rows]


def mark_read(s: Session, actor: Actor, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read (all of them when no ids are given); returns how many."""
    user_id = require_signed_in(actor)
    statement = (
        update(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    if notification_ids is not None:
        ids = [i for i in notification_ids if isinstance(i, int) and not isinstance(i, bool)]
        statement = statement.where(col(Notification.id).in_(ids))
    return s.exec(statement).rowcount


def live_status(s: Session, actor: Actor) -> LiveStatus:
    user_id = require_signed_in(actor)
    latest, unread = s.exec(
        select(
            func.coalesce(func.max(Notification.id), 0),
            func.count(col(Notification.id)).filter(col(Notification.read_at).is_(None)),
        ).where(Notification.user_id == user_id)
    ).one()
    stamp = ""
    if actor.shop_id is not None:
        computed = s.exec(select(func.max(ShopRollup.computed_at)).where(ShopRollup.shop_id == actor.shop_id)).one()
        stamp = "" if computed is None else str(computed)  # None: no rollups yet
    return LiveStatus(latest_id=int(latest or 0), unread=int(unread), figures_stamp=stamp)
