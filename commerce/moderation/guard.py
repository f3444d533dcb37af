"""The check every admin service starts with.

Any client can send any event with any arguments, so a buyer or seller reaching
an admin service is an attempt worth knowing about: it is refused and logged on
the `commerce.security` logger (who, which action, on what). The log is written
outside the transaction, so the refusal's rollback does not erase it.
"""

from __future__ import annotations

import logging

from commerce.accounts import Actor
from commerce.errors import PermissionDenied

security_log = logging.getLogger("commerce.security")


def require_admin(actor: Actor, action: str, **target: object) -> int:
    """Return the admin's user id, or log the attempt and refuse."""
    if actor.is_admin and actor.user_id is not None:
        return actor.user_id
    details = " ".join(f"{key}={value!r}" for key, value in sorted(target.items()))
    security_log.warning(
        "refused admin action %s by user %s (role %s)%s", action, actor.user_id, actor.role,
        f": {details}" if details else "",
    )
    if actor.user_id is None:
        raise PermissionDenied("Please sign in first.")
    raise PermissionDenied("Only administrators can do that.")
