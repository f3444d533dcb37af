"""An account's security activity (sign-ins, failures, changes) and its active sessions.

Each row records what the app itself saw: the client's address and its browser and
system as its User-Agent names them. The place shown is the address's country, looked up
offline (`places`), never anything finer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from commerce.accounts.places import approximate_place
from commerce.actor import Actor, require_signed_in
from commerce.errors import NotFound
from commerce.kit.time import utcnow
from commerce.models import AuthSession, SecurityEvent, SecurityEventKind

SHOWN_EVENTS = 30
MAX_USER_AGENT = 512


@dataclass(frozen=True)
class Client:
    """Who is at the other end of a request: its address and its User-Agent header."""

    ip: str | None = None
    user_agent: str = ""

    @property
    def device(self) -> str:
        return device_label(self.user_agent)


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    """ "Firefox on Windows" from a User-Agent header; "Unknown device" when it names neither."""
    agent = (user_agent or "")[:MAX_USER_AGENT]
    browser = next((name for token, name in _BROWSERS if token in agent), "")
    if "HeadlessChrome/" in agent:
        browser = "Headless Chrome"
    system = next((name for token, name in _SYSTEMS if token in agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (re.sub(r"[^\x20-\x7e]", "", agent)[:60] or "Unknown device")


def record(
    s: Session, user_id: int, kind: SecurityEventKind, client: Client | None = None, *, detail: str = ""
) -> None:
    client = client or Client()
    s.add(
        SecurityEvent(
            user_id=user_id,
            kind=kind,
            ip=(client.ip or None) and str(client.ip)[:64],
            device=client.device[:120] if client.user_agent else "",
            detail=detail[:200],
        )
    )


@dataclass(frozen=True)
class SecurityEventView:
    kind: str
    what: str
    at: datetime
    device: str
    ip: str
    place: str  # the address's country, "" when unknown


_WHAT = {
    SecurityEventKind.SIGNED_IN: "Signed in",
    SecurityEventKind.SIGN_IN_FAILED: "Failed sign-in (wrong password)",
    SecurityEventKind.SECOND_FACTOR_FAILED: "Failed sign-in (wrong two-factor code)",
    SecurityEventKind.RECOVERY_CODE_USED: "Signed in with a recovery code",
    SecurityEventKind.PASSWORD_CHANGED: "Password changed",
    SecurityEventKind.PASSWORD_RESET: "Password reset by email",
    SecurityEventKind.TOTP_ENABLED: "Authenticator app turned on",
    SecurityEventKind.TOTP_DISABLED: "Authenticator app turned off",
    SecurityEventKind.RECOVERY_CODES_CREATED: "New recovery codes made",
    SecurityEventKind.PASSKEY_ADDED: "Passkey added",
    SecurityEventKind.PASSKEY_REMOVED: "Passkey removed",
    SecurityEventKind.SESSION_ENDED: "A session was signed out",
    SecurityEventKind.SIGNED_OUT_EVERYWHERE: "Signed out everywhere",
    SecurityEventKind.EMAIL_CHANGED: "Email address changed",
}


def recent_activity(s: Session, actor: Actor, *, limit: int = SHOWN_EVENTS) -> list[SecurityEventView]:
    user_id = require_signed_in(actor)
    rows = s.exec(
        select(SecurityEvent)
        .where(SecurityEvent.user_id == user_id)
        .order_by(col(SecurityEvent.created_at).desc(), col(SecurityEvent.id).desc())
        .limit(max(1, min(int(limit), 100)))
    ).all()
    return [
        SecurityEventView(
            kind=row.kind.value,
            what=_WHAT[row.kind] + (f": {row.detail}" if row.detail else ""),
            at=row.created_at,
            device=row.device,
            ip=row.ip or "",
            place=approximate_place(row.ip),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class SessionView:
    session_id: str  # the session's family id (it keeps it across token rotations)
    device: str
    ip: str
    place: str
    signed_in_at: datetime
    this_session: bool


def active_sessions(s: Session, actor: Actor) -> list[SessionView]:
    """The account's signed-in browsers, newest sign-in first (one row per session family)."""
    user_id = require_signed_in(actor)
    now = utcnow()
    rows = s.exec(
        select(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            col(AuthSession.revoked_at).is_(None),
            col(AuthSession.replaced_at).is_(None),
            AuthSession.expires_at > now,
        )
        .order_by(col(AuthSession.created_at).desc())
    ).all()
    first_seen: dict[str, datetime] = {}
    for started_at, family in s.exec(
        select(AuthSession.created_at, AuthSession.family_id).where(
            AuthSession.user_id == user_id, col(AuthSession.family_id).in_([row.family_id for row in rows])
        )
    ):
        first_seen[family] = min(started_at, first_seen.get(family, started_at))
    views = [
        SessionView(
            session_id=row.family_id,
            device=row.device or "Unknown device",
            ip=row.ip or "",
            place=approximate_place(row.ip),
            signed_in_at=first_seen.get(row.family_id, row.created_at),
            this_session=row.family_id == actor.session_id,
        )
        for row in rows
    ]
    return sorted(views, key=lambda view: (not view.this_session, -view.signed_in_at.timestamp()))


def end_session(s: Session, actor: Actor, session_id: str, client: Client | None = None) -> None:
    """Sign one of the account's sessions out (its browser's cookie opens nothing any more)."""
    user_id = require_signed_in(actor)
    now = utcnow()
    rows = s.exec(
        select(AuthSession).where(
            AuthSession.user_id == user_id,
            AuthSession.family_id == str(session_id)[:32],
            col(AuthSession.revoked_at).is_(None),
        )
    ).all()
    if not rows:
        raise NotFound("That session has ended already.")
    for row in rows:
        row.revoked_at = now
        s.add(row)
    record(s, user_id, SecurityEventKind.SESSION_ENDED, client, detail=rows[-1].device or "")
