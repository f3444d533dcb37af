"""Signed links to what the online reader shows: one page image of a PDF, or the
stream of an audio or video file. Minted by the reader as the buyer turns pages and
never stored.

    /api/view/<fulfilment id>/<file id>/<part>?exp=<unix seconds>&sig=<hex>

`part` is `page-<n>` (n from 1), `stream`, `hls` (a video's HLS playlist, whose
segments the route rewrites to links of their own) or `hls-<n>` (segment n, from 0).
The HMAC (the app's secret, a purpose
string of its own) covers the fulfilment, the file, the part, the expiry and the
family id of the browser session the link was minted for (not in the URL): another
browser, signed in or not, cannot use it. The route still checks the purchase at
every request, so a refund or revocation stops it at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from commerce.errors import PermissionDenied
from commerce.i18n import N_, gettext

VIEW_PATH = "/api/view"
STREAM = "stream"
PLAYLIST = "hls"
_PURPOSE = "delivery-view-v1"
# A page image is fetched as soon as its URL reaches the page.
PAGE_LINK_LIFETIME = timedelta(minutes=5)
# A player keeps fetching ranges of the same URL while it plays and seeks.
STREAM_LINK_LIFETIME = timedelta(minutes=30)
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_NUMBER = re.compile(r"[0-9]{1,12}")
_PAGE = re.compile(r"page-([1-9][0-9]{0,5})")
_SEGMENT = re.compile(r"hls-(0|[1-9][0-9]{0,4})")


NOT_VALID_HERE = N_("This viewing link is not valid here. Open the file from your library again.")


class InvalidViewLink(PermissionDenied):
    pass


class ExpiredViewLink(PermissionDenied):
    pass


@dataclass(frozen=True)
class SignedView:
    fulfilment_id: int
    file_id: int
    # 1-based page of a PDF, or 0 for an audio or video stream, playlist or segment.
    page: int
    expires_at: datetime
    # The HLS playlist of a video, or one of its segments (0-based).
    playlist: bool = False
    segment: int | None = None

    @property
    def hls(self) -> bool:
        return self.playlist or self.segment is not None


def page_part(page: int) -> str:
    return f"page-{int(page)}"


def segment_part(index: int) -> str:
    return f"hls-{int(index)}"


def _signature(secret: str, fulfilment_id: int, file_id: int, part: str, expires: int, session_family: str) -> str:
    message = f"{_PURPOSE}|{fulfilment_id}|{file_id}|{part}|{expires}|{session_family}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(
    secret: str,
    fulfilment_id: int,
    file_id: int,
    part: str,
    *,
    session_family: str,
    lifetime: timedelta,
    now: datetime | None = None,
) -> str:
    if not session_family:
        raise ValueError("A viewing link is bound to a browser session.")
    expires = int((now or datetime.now(UTC)).timestamp() + lifetime.total_seconds())
    sig = _signature(secret, int(fulfilment_id), int(file_id), part, expires, session_family)
    return f"{VIEW_PATH}/{int(fulfilment_id)}/{int(file_id)}/{part}?exp={expires}&sig={sig}"


def verify(
    secret: str,
    fulfilment_id: str,
    file_id: str,
    part: str,
    exp: str,
    sig: str,
    *,
    session_family: str | None,
    now: datetime | None = None,
) -> SignedView:
    """Raises InvalidViewLink (changed, not ours, or another browser's) or ExpiredViewLink."""
    invalid = InvalidViewLink(gettext(NOT_VALID_HERE))
    if not session_family:
        raise invalid
    if not all(isinstance(p, str) and _NUMBER.fullmatch(p) for p in (fulfilment_id, file_id, exp)):
        raise invalid
    if not isinstance(sig, str) or not _SIGNATURE.fullmatch(sig) or not isinstance(part, str):
        raise invalid
    page_match = _PAGE.fullmatch(part)
    segment_match = _SEGMENT.fullmatch(part)
    if part not in (STREAM, PLAYLIST) and page_match is None and segment_match is None:
        raise invalid
    fid, file, expires = int(fulfilment_id), int(file_id), int(exp)
    if not hmac.compare_digest(sig, _signature(secret, fid, file, part, expires, session_family)):
        raise invalid
    expires_at = datetime.fromtimestamp(expires, UTC)
    if (now or datetime.now(UTC)) >= expires_at:
        raise ExpiredViewLink(gettext("This viewing link has expired. Reload the reader to go on."))
    return SignedView(
        fulfilment_id=fid,
        file_id=file,
        page=int(page_match.group(1)) if page_match else 0,
        expires_at=expires_at,
        playlist=part == PLAYLIST,
        segment=int(segment_match.group(1)) if segment_match else None,
    )
