"""Domain events: what happened, published in the unit of work that made it happen.

A lower package never calls a higher one. When something it does matters higher up
(an order is paid: deliver it, count the sale, reindex the product), it publishes a
typed event here. The subscribers that `commerce.wiring` lists for that event run at
once, in the same transaction, in the order listed; anything slow or network-bound
they schedule as a job that runs after the commit (`commerce.jobs.enqueue_after_commit`),
so a rolled-back transaction causes nothing. Nothing subscribes by being imported:
`commerce.wiring.configure()` installs the table at every entry point.

Events carry ids, not rows: a subscriber reads what it needs from the session it is
given (the rows are in its identity map already, so that costs no query).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened; subclasses say what, with the ids it happened to."""


# Orders (published by commerce.orders).


@dataclass(frozen=True)
class OrderPaid(DomainEvent):
    """A verified payment (or a free checkout) marked the order paid; its ledger is posted."""

    order_id: int


@dataclass(frozen=True)
class OrderRefunded(DomainEvent):
    """Refunds of the order were recorded and posted to the ledger."""

    order_id: int
    refund_ids: tuple[int, ...]


@dataclass(frozen=True)
class OrderDisputed(DomainEvent):
    """The buyer disputed the order's payment with their bank; what it granted is withdrawn."""

    order_id: int


@dataclass(frozen=True)
class FulfilmentGranted(DomainEvent):
    """A paid order line grants the buyer a product (one per product, bundles included)."""

    fulfilment_id: int
    product_id: int


@dataclass(frozen=True)
class FulfilmentRevoked(DomainEvent):
    """A refund in full, a dispute or an admin withdrew what a fulfilment granted."""

    fulfilment_id: int
    product_id: int


# The catalogue (published by commerce.catalog).


@dataclass(frozen=True)
class ProductsChanged(DomainEvent):
    """Something buyers search by changed (texts, price, status, sales, ratings, the shop)."""

    product_ids: tuple[int, ...] = ()
    shop_id: int | None = None


@dataclass(frozen=True)
class VersionReleased(DomainEvent):
    """A product's version became visible to its buyers."""

    version_id: int
    product_id: int
    number: int


@dataclass(frozen=True)
class KeysRestocked(DomainEvent):
    """Imported license keys arrived for a product (sales may be waiting for one)."""

    product_id: int


@dataclass(frozen=True)
class ProductPublished(DomainEvent):
    """Its seller put the product up for sale (it goes to moderation before buyers see it)."""

    product_id: int
    shop_id: int


# Licensing (published by commerce.licensing's public license API).


@dataclass(frozen=True)
class LicenseKeyActivated(DomainEvent):
    """A key took a seat on a new instance (not a repeat activation of an active one)."""

    license_key_id: int
    product_id: int
    instance: str


@dataclass(frozen=True)
class LicenseKeyDeactivated(DomainEvent):
    """A key's seat on an instance was freed."""

    license_key_id: int
    product_id: int
    instance: str


# Reviews (published by commerce.reviews).


@dataclass(frozen=True)
class ReviewCreated(DomainEvent):
    """A buyer wrote their first review of a product (an edit is not a new review)."""

    review_id: int
    product_id: int


# Payouts (published by commerce.payouts).


@dataclass(frozen=True)
class PayoutPaid(DomainEvent):
    """A seller's payout reached their bank (the provider's bank payout succeeded)."""

    payout_id: int
    shop_id: int


@dataclass(frozen=True)
class PayoutFailed(DomainEvent):
    """A transfer or bank payout failed: its money is available to the seller again."""

    payout_id: int
    shop_id: int


Subscriber = Callable[[Session, Any], None]
SubscriberTable = Mapping[type[DomainEvent], Sequence[Subscriber]]

_table: SubscriberTable | None = None


def install(table: SubscriberTable) -> None:
    """Make `table` the subscribers of every event (commerce.wiring.configure does this)."""
    global _table
    _table = {event: tuple(subscribers) for event, subscribers in table.items()}


def publish(s: Session, event: DomainEvent) -> None:
    """Run the event's subscribers now, in `s`'s transaction."""
    if _table is None:
        raise RuntimeError("No event subscribers are installed: call commerce.wiring.configure() at start-up.")
    for subscriber in _table.get(type(event), ()):
        subscriber(s, event)
