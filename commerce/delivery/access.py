"""From the receipt's "Access your purchase" link to the purchase, signed in.

`orders.access` checks and spends the link (single use, short-lived, bound to the
order's address, refused after a refund, attempts counted); `accounts.sign_in_by_claim`
starts a session for its buyer exactly as a password sign-in does, signing nobody
else out. The two live side by side below this package, which joins them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from commerce.accounts import SessionGrant
from commerce.accounts.claims import sign_in_by_claim
from commerce.orders.access import use_access_link


@dataclass(frozen=True)
class AccessGranted:
    session: SessionGrant
    landing_path: str  # a local path: the product in the library, or the library
    order_reference: str


def redeem_access_link(s: Session, token: str, *, client_id: str) -> AccessGranted:
    used = use_access_link(s, token, client_id=client_id)
    session = sign_in_by_claim(s, user_id=used.user_id, email=used.email)
    return AccessGranted(session=session, landing_path=used.landing_path, order_reference=used.order_reference)
