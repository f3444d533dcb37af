"""What granting and revoking a product means, one strategy per kind of delivery.

Every strategy is safe to run again: a retried grant finds what an earlier run
made, and revoking twice changes nothing the second time. A product that
delivers "both" runs both strategies.
"""

from __future__ import annotations

from typing import Protocol

from sqlmodel import Session

from commerce.catalog.views import delivers_files, delivers_keys
from commerce.delivery.stamped import queue_latest_stamped_copies
from commerce.licensing.issuing import issue_key, revoke_keys_of
from commerce.models import Fulfilment, Product


class FulfilmentStrategy(Protocol):
    name: str
    # Whether a grant can fail for want of stock (OutOfKeys): `deliver` then undoes the rest.
    can_run_out: bool

    def applies_to(self, product: Product) -> bool: ...

    def grant(self, s: Session, fulfilment: Fulfilment, product: Product) -> None: ...

    def revoke(self, s: Session, fulfilment: Fulfilment, product: Product) -> None: ...


class FileAccess:
    """Downloads are authorised from the fulfilment itself at every request, so
    granting only prepares the buyer's stamped PDFs of the latest version, and
    revoking needs nothing beyond the fulfilment's own status: every link, old or
    new, is refused from the moment the revocation commits."""

    name = "files"
    can_run_out = False

    def applies_to(self, product: Product) -> bool:
        return delivers_files(product.delivery_kind)

    def grant(self, s: Session, fulfilment: Fulfilment, product: Product) -> None:
        queue_latest_stamped_copies(s, fulfilment)

    def revoke(self, s: Session, fulfilment: Fulfilment, product: Product) -> None:
        return None


class LicenseKeyAccess:
    """One key per fulfilment, generated or taken from stock; revoked with the access."""

    name = "license_key"
    can_run_out = True

    def applies_to(self, product: Product) -> bool:
        return delivers_keys(product.delivery_kind)

    def grant(self, s: Session, fulfilment: Fulfilment, product: Product) -> None:
        issue_key(s, fulfilment)

    def revoke(self, s: Session, fulfilment: Fulfilment, product: Product) -> None:
        revoke_keys_of(s, fulfilment, "the order was refunded or disputed")


STRATEGIES: tuple[FulfilmentStrategy, ...] = (FileAccess(), LicenseKeyAccess())


def strategies_for(product: Product) -> list[FulfilmentStrategy]:
    return [strategy for strategy in STRATEGIES if strategy.applies_to(product)]
