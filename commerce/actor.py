"""Who is acting, and the permission checks every service starts with."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final, Literal

from commerce.errors import PermissionDenied
from commerce.models import UserRole

# Refused admin actions: any client can send any event with any arguments, so a buyer
# or seller reaching an admin service is an attempt worth knowing about.
security_log = logging.getLogger("commerce.security")

# The role of a visitor who has not signed in (not a role a user row can have).
ANONYMOUS: Final = "anonymous"


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: UserRole | Literal["anonymous"]
    shop_id: int | None = None
    # The signed-in browser's session (its family id, kept across token rotations): a
    # step-up (accounts/step_up.py) is recorded per session, not per account.
    session_id: str | None = None
    # Acting through a seller API key (minted after a step-up) rather than a browser session.
    api_key_id: int | None = None

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(user_id=None, role=ANONYMOUS)

    @property
    def is_signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMIN


def require_signed_in(actor: Actor) -> int:
    """Return the actor's user id, or refuse."""
    if actor.user_id is None:
        raise PermissionDenied("Please sign in first.")
    return actor.user_id


def require_role(actor: Actor, *roles: str) -> None:
    """Refuse unless the actor has one of `roles` (for admin services prefer require_admin, which logs)."""
    require_signed_in(actor)
    if actor.role not in roles:
        raise PermissionDenied("You are not allowed to do that.")


def require_shop(actor: Actor) -> int:
    """Return the actor's shop id; sellers (and admins with a shop) only."""
    require_signed_in(actor)
    if actor.shop_id is None:
        raise PermissionDenied("Create a shop first to sell on the marketplace.")
    return actor.shop_id


def require_admin(actor: Actor, action: str, **target: object) -> int:
    """Return the admin's user id, or log the attempt (who, which action, on what) and refuse.

    The log is written outside the transaction, so the refusal's rollback keeps it.
    """
    if actor.is_admin and actor.user_id is not None:
        return actor.user_id
    details = " ".join(f"{key}={value!r}" for key, value in sorted(target.items()))
    security_log.warning(
        "refused admin action %s by user %s (role %s)%s",
        action,
        actor.user_id,
        actor.role,
        f": {details}" if details else "",
    )
    if actor.user_id is None:
        raise PermissionDenied("Please sign in first.")
    raise PermissionDenied("Only administrators can do that.")
