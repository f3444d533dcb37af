"""Telling buyers about a new version: the library badge and an email.

The catalogue publishes `VersionReleased` when a seller releases a draft update;
for version 2 and up, delivery's subscriber schedules a job that, once the release
commits, bumps every owner's library and emails those who have not opted out
(account page). The badge itself needs no
write: the library compares the version's date with the buyer's last look.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from commerce.config import get_settings
from commerce.links import ACCOUNT_PATH, absolute, library_product_url
from commerce.models import Fulfilment, FulfilmentStatus, LibraryState, Product, ProductVersion, User, saved_id
from commerce.notifications.library_changes import bump_library
from commerce.notifications.tasks import enqueue_email

ACCOUNT_EMAILS_PATH = ACCOUNT_PATH + "#update-emails"


def owners_of(s: Session, product_id: int) -> list[int]:
    return list(
        s.exec(
            select(Fulfilment.buyer_id)
            .where(Fulfilment.product_id == product_id, Fulfilment.status == FulfilmentStatus.GRANTED)
            .distinct()
            .order_by(col(Fulfilment.buyer_id))
        ).all()
    )


def notify_owners(s: Session, version_id: int) -> int:
    """Badge and email every owner of the version's product; returns how many were emailed.

    Each email has an idempotency key (version and buyer), so a retried job
    never emails anyone twice.
    """
    version = s.get(ProductVersion, version_id)
    if version is None or version.number < 2 or version.released_at is None:
        return 0
    product = s.get(Product, version.product_id)
    if product is None or product.published_at is None:
        return 0  # nobody can own a product that was never published
    owners = owners_of(s, saved_id(product))
    if not owners:
        return 0
    bump_library(s, owners)
    opted_out = set(
        s.exec(
            select(LibraryState.user_id).where(
                col(LibraryState.user_id).in_(owners), col(LibraryState.product_update_emails).is_(False)
            )
        ).all()
    )
    base_url = get_settings().base_url
    sent = 0
    for user in s.exec(select(User).where(col(User.id).in_(owners)).order_by(col(User.id))).all():
        if user.id in opted_out or user.suspended_at is not None:
            continue
        enqueue_email(
            s,
            to=user.email,
            kind="product_update",
            idempotency_key=f"product-update:{version.id}:{user.id}",
            product=product.title,
            version=version.label,
            release_notes=version.release_notes or "Bug fixes and improvements.",
            library_url=absolute(base_url, library_product_url(saved_id(product))),
            unsubscribe_url=absolute(base_url, ACCOUNT_EMAILS_PATH),
        )
        sent += 1
    return sent
