"""Who may change a product: the seller whose shop owns it, nobody else."""

from __future__ import annotations

from sqlmodel import Session

from commerce.actor import Actor, require_shop
from commerce.errors import NotFound, PermissionDenied
from commerce.models import Product, Shop


def actor_shop(s: Session, actor: Actor) -> Shop:
    """The actor's own shop, checked against the database rather than trusted."""
    shop_id = require_shop(actor)
    shop = s.get(Shop, shop_id)
    if shop is None or shop.owner_id != actor.user_id:
        raise PermissionDenied("You can only manage your own shop.")
    return shop


def owned_product(s: Session, actor: Actor, product_id: int, *, for_update: bool = True) -> tuple[Product, Shop]:
    """The product and its shop, if the actor owns that shop; else PermissionDenied.

    The row is locked (on PostgreSQL) so two edits of one product apply one after
    the other instead of the later silently undoing the earlier.
    """
    shop = actor_shop(s, actor)
    product = s.get(Product, product_id, with_for_update=for_update)
    if product is None:
        raise NotFound("This product does not exist.")
    if product.shop_id != shop.id:
        raise PermissionDenied("You can only change products of your own shop.")
    return product, shop
