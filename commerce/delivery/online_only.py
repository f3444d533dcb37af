"""Which files a buyer may only view in the browser, never download.

The seller marks a single file (`ProductFile.online_only`) or the whole product
(`DeliveryPolicy.online_only`, which covers every file a browser can show: PDFs,
audio, video). Downloads refuse such files and the library offers "Read online"
or "Play" instead (commerce.delivery.viewing).
"""

from __future__ import annotations

from sqlmodel import Session

from commerce.catalog.viewable import view_kind
from commerce.errors import PermissionDenied
from commerce.i18n import gettext
from commerce.models import DeliveryPolicy, ProductFile


class OnlineOnly(PermissionDenied):
    """A download of a file its seller allows to be viewed online only."""


def product_online_only(s: Session, product_id: int) -> bool:
    policy = s.get(DeliveryPolicy, product_id)
    return bool(policy and policy.online_only)


def is_online_only(s: Session, file: ProductFile, *, product_wide: bool | None = None) -> bool:
    """Whether buyers may only view this file in the browser; `product_wide` saves the lookup."""
    if view_kind(file.content_type) is None:
        return False  # nothing a browser shows: an online-only product still lets it be downloaded
    if product_wide is None:
        product_wide = product_online_only(s, file.product_id)
    return file.online_only or product_wide


def refusal(file: ProductFile) -> OnlineOnly:
    return OnlineOnly(
        gettext(
            "The seller lets buyers view {file} online only, so it cannot be downloaded. "
            "Open it from your library with “Read online” or “Play”.",
            file=file.filename,
        )
    )
