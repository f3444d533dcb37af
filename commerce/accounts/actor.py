"""Who is acting, and the permission checks every service starts with."""

from __future__ import annotations

from dataclasses import dataclass

from commerce.errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: str  # "anonymous" | "buyer" | "seller" | "admin"
    shop_id: int | None = None

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(user_id=None, role="anonymous")

    @property
    def is_signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def require_signed_in(actor: Actor) -> int:
    """Return the actor's user id, or refuse."""
    if actor.user_id is None:
        raise PermissionDenied("Please sign in first.")
    return actor.user_id


def require_role(actor: Actor, *roles: str) -> None:
    require_signed_in(actor)
    if actor.role not in roles:
        raise PermissionDenied("You are not allowed to do that.")


def require_shop(actor: Actor) -> int:
    """Return the actor's shop id; sellers (and admins with a shop) only."""
    require_signed_in(actor)
    if actor.shop_id is None:
        raise PermissionDenied("Create a shop first to sell on the marketplace.")
    return actor.shop_id
