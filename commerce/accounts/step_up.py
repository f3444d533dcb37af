"""Step-up: a sensitive change asks for a second factor given recently in this session.

    from commerce.accounts.step_up import require_recent_second_factor
    def set_payout_details(s, actor, ...):
        require_recent_second_factor(s, actor)   # raises StepUpRequired (field "step_up")
        ...

An account with a second factor changes its password, its two-factor settings (and,
through the services that call this, payout details and API keys) only when *this*
browser session gave a second factor within the last ten minutes: at sign-in, or by
confirming with `confirm_with_code` / `confirm_with_passkey`. An account without a second
factor has nothing to ask for and passes (its password is asked where it matters).
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from commerce.accounts import factors, passkeys
from commerce.accounts.activity import Client, record
from commerce.actor import Actor, require_signed_in
from commerce.errors import NotFound, PermissionDenied
from commerce.kit.time import utcnow
from commerce.models import AuthSession, ChallengePurpose, SecurityEventKind, User

STEP_UP_WINDOW = timedelta(minutes=10)
STEP_UP_FIELD = "step_up"


class StepUpRequired(PermissionDenied):
    """The change needs a recent second factor; pages show the confirm prompt on `field`."""

    def __init__(self) -> None:
        super().__init__(
            "Confirm it is you first: enter a code from your authenticator app or a recovery code, or use a passkey."
        )
        self.field = STEP_UP_FIELD


def _current_session(s: Session, actor: Actor) -> AuthSession | None:
    if not actor.session_id:
        return None
    return s.exec(
        select(AuthSession)
        .where(
            AuthSession.user_id == actor.user_id,
            AuthSession.family_id == actor.session_id,
            col(AuthSession.revoked_at).is_(None),
            col(AuthSession.replaced_at).is_(None),
        )
        .order_by(col(AuthSession.created_at).desc())
    ).first()


def has_recent_second_factor(s: Session, actor: Actor) -> bool:
    session = _current_session(s, actor)
    return (
        session is not None
        and session.second_factor_at is not None
        and utcnow() - session.second_factor_at <= STEP_UP_WINDOW
    )


def require_recent_second_factor(s: Session, actor: Actor) -> None:
    """Refuse (StepUpRequired) unless this session gave a second factor in the last ten
    minutes; an account without any second factor passes, and so does a seller API key
    (creating it took a step-up; no key reaches the account's own settings)."""
    user_id = require_signed_in(actor)
    if actor.api_key_id is not None:
        return
    if not factors.has_second_factor(s, user_id):
        return
    if not has_recent_second_factor(s, actor):
        raise StepUpRequired()


def mark_second_factor(s: Session, actor: Actor) -> None:
    """This session just gave a second factor (enrolling one counts too)."""
    session = _current_session(s, actor)
    if session is not None:
        session.second_factor_at = utcnow()
        s.add(session)


def confirm_with_code(s: Session, actor: Actor, *, code: str, client: Client | None = None) -> int:
    """Step up with a code from the app or a recovery code; the recovery codes left."""
    user = s.get(User, require_signed_in(actor))
    if user is None:
        raise NotFound("This account no longer exists.")
    checked = factors.check_code(s, user, code, limit_key=f"2fa:step-up:{user.id}")
    if checked.recovery:
        record(s, int(user.id or 0), SecurityEventKind.RECOVERY_CODE_USED, client, detail="to confirm a change")
    mark_second_factor(s, actor)
    return checked.recovery_codes_left


def passkey_options(s: Session, actor: Actor) -> str:
    user_id = require_signed_in(actor)
    if factors.passkey_count(s, user_id) == 0:
        raise NotFound("This account has no passkey.")
    return passkeys.authentication_options(s, ChallengePurpose.STEP_UP, user_id)


def confirm_with_passkey(s: Session, actor: Actor, *, credential: str) -> None:
    user_id = require_signed_in(actor)
    passkeys.authenticate(s, credential, ChallengePurpose.STEP_UP, user_id=user_id)
    mark_second_factor(s, actor)
