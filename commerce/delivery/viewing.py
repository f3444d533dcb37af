"""Online-only viewing: buyers read PDFs page by page and play audio and video in the
browser, and no URL of the original file is ever issued to them.

The reader page opens a file (`open_reader`) and asks for a signed link per page
(`page_link`) or one for the player (in `open_reader`); the links are bound to the
browser session and expire in minutes (`view_links`). The HTTP route checks each
request against the purchase (`authorise`): revoked or refunded access stops at once.
PDF pages are rendered on the server with the buyer's licence line drawn on them
(`page_images`), so what reaches the browser is a picture of the page, not the PDF.
A video, once cut into HLS (`commerce.catalog.video_hls`), plays from a playlist the
route writes for each request, every segment a signed link of its own; until then (or
if cutting failed) it streams from the original through the ranged stream link.

This protects against casual copying, not a determined one: a screenshot or a
recording of the player still works. Studio-grade DRM (Widevine, FairPlay) needs
licences; the invisible fingerprint is what traces a leaked file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from commerce import storage
from commerce.accounts.service import session_identity
from commerce.actor import Actor, require_signed_in
from commerce.catalog import video_hls
from commerce.catalog.viewable import ViewKind, view_kind
from commerce.config import get_settings
from commerce.delivery import page_images, view_links
from commerce.delivery.downloads import AccessRevoked, buyer_fulfilment, released_file
from commerce.delivery.online_only import is_online_only
from commerce.delivery.stamping import footer_text
from commerce.errors import NotFound
from commerce.i18n import N_, gettext
from commerce.links import library_product_url
from commerce.models import Fulfilment, FulfilmentStatus, Order, Product, ProductFile, saved_id
from commerce.storage.port import BlobStore

_NOT_HERE = N_("This file is not in your library to view online.")


@dataclass(frozen=True)
class ReaderView:
    product_id: int
    product_title: str
    library_url: str
    file_id: int
    filename: str
    kind: ViewKind
    # PDFs: how many pages (the first page's link comes with it); 0 for audio and video.
    page_count: int
    first_page_url: str
    # Audio and video: the signed, ranged address the player streams from; "" for PDFs.
    stream_url: str
    # A video cut into HLS: the signed address of its playlist; "" until it is ready (or if
    # cutting failed), when the player uses `stream_url`.
    hls_url: str
    content_type: str
    # What is drawn on every page: the same words as the visible PDF stamp.
    licence_line: str


def _viewable(s: Session, actor: Actor, file_id: int) -> tuple[Fulfilment, ProductFile, ViewKind, str]:
    """The buyer's purchase, the file, how it is shown and the session to bind links to."""
    user_id = require_signed_in(actor)
    file = released_file(s, file_id)
    fulfilment = buyer_fulfilment(s, user_id, file.product_id) if file else None
    kind = view_kind(file.content_type) if file else None
    if file is None or fulfilment is None or kind is None or not is_online_only(s, file):
        raise NotFound(gettext(_NOT_HERE))
    if not actor.session_id:
        raise NotFound(gettext(_NOT_HERE))  # an API key or a forged actor: links need a browser session
    return fulfilment, file, kind, actor.session_id


def _sign(fulfilment_id: int, file_id: int, part: str, session_family: str, lifetime: timedelta | None = None) -> str:
    if lifetime is None:
        streams = part in (view_links.STREAM, view_links.PLAYLIST)
        lifetime = view_links.STREAM_LINK_LIFETIME if streams else view_links.PAGE_LINK_LIFETIME
    return view_links.sign(
        get_settings().secret_key, fulfilment_id, file_id, part, session_family=session_family, lifetime=lifetime
    )


def _licence_line(s: Session, fulfilment: Fulfilment) -> str:
    order = s.get_one(Order, fulfilment.order_id)
    return footer_text(order.email, order.reference)


def _original_path(file: ProductFile, store: BlobStore | None = None):
    blobs = store or storage.blob_store()
    return page_images.originals.path(file.sha256, lambda: blobs.open(file.blob_key))


def open_reader(s: Session, actor: Actor, file_id: int, *, store: BlobStore | None = None) -> ReaderView:
    """What the reader page shows for one online-only file the actor owns.

    Reading a PDF's page count fetches the original into the local cache (blocking:
    callers run services in a worker thread)."""
    fulfilment, file, kind, family = _viewable(s, actor, file_id)
    product = s.get_one(Product, file.product_id)
    pages = page_images.page_count(_original_path(file, store)) if kind == ViewKind.PDF else 0
    fid, file_id = saved_id(fulfilment), saved_id(file)
    hls = ""
    if kind == ViewKind.VIDEO:
        rendition = video_hls.ensure_rendition(s, file)  # asks again for one lost with its job
        if rendition is not None and video_hls.ready_rendition(s, file.sha256) is not None:
            hls = _sign(fid, file_id, view_links.PLAYLIST, family)
    return ReaderView(
        product_id=saved_id(product),
        product_title=product.title,
        library_url=library_product_url(saved_id(product)),
        file_id=saved_id(file),
        filename=file.filename,
        kind=kind,
        page_count=pages,
        first_page_url=_sign(fid, file_id, view_links.page_part(1), family) if pages else "",
        stream_url=_sign(fid, file_id, view_links.STREAM, family) if kind != ViewKind.PDF else "",
        hls_url=hls,
        content_type=file.content_type,
        licence_line=_licence_line(s, fulfilment),
    )


def page_link(s: Session, actor: Actor, file_id: int, page: int) -> str:
    """A fresh signed link to one page image (the page need not exist: the route answers 404)."""
    fulfilment, file, kind, family = _viewable(s, actor, file_id)
    if kind != ViewKind.PDF or isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= 999_999:
        raise NotFound(gettext("This page does not exist."))
    return _sign(saved_id(fulfilment), saved_id(file), view_links.page_part(page), family)


@dataclass(frozen=True)
class ViewTicket:
    """What the view route may serve for one verified request."""

    fulfilment_id: int
    file_id: int
    page: int  # 0: the audio or video stream, or the video's HLS playlist or segment
    # What the route serves: the original (a stream or a PDF's page) or an HLS part's blob.
    blob_key: str
    sha256: str
    filename: str
    content_type: str
    licence_line: str
    playlist: bool = False
    segment: int | None = None
    # The HLS rendition's playlist lists this many segments; links to them are bound to this family.
    segment_count: int = 0
    session_family: str = ""


def authorise(
    s: Session, fulfilment_id: str, file_id: str, part: str, exp: str, sig: str, *, session_token: str | None
) -> ViewTicket:
    """Check a viewing request: the signature for this browser's session, the expiry, and
    (now, in the database) that the purchase still grants access and the file is still
    online only. Raises InvalidViewLink, ExpiredViewLink or AccessRevoked."""
    identity = session_identity(s, session_token)
    link = view_links.verify(
        get_settings().secret_key,
        fulfilment_id,
        file_id,
        part,
        exp,
        sig,
        session_family=identity[1] if identity else None,
    )
    fulfilment = s.get(Fulfilment, link.fulfilment_id)
    file = s.get(ProductFile, link.file_id)
    if identity is None or fulfilment is None or file is None or fulfilment.buyer_id != identity[0]:
        raise view_links.InvalidViewLink(gettext(view_links.NOT_VALID_HERE))
    if fulfilment.status != FulfilmentStatus.GRANTED:
        raise AccessRevoked(
            gettext("Your access to this product has ended because the order was refunded or disputed.")
        )
    kind = view_kind(file.content_type)
    shows_pages = kind == ViewKind.PDF
    if file.product_id != fulfilment.product_id or kind is None or shows_pages != (link.page > 0):
        raise view_links.InvalidViewLink(gettext(view_links.NOT_VALID_HERE))
    if link.hls and kind != ViewKind.VIDEO:
        raise view_links.InvalidViewLink(gettext(view_links.NOT_VALID_HERE))
    if released_file(s, saved_id(file)) is None or not is_online_only(s, file):
        # The seller lets it be downloaded again: the library offers the download instead.
        raise view_links.InvalidViewLink(
            gettext("This file is no longer shown online. Open your library to download it.")
        )
    blob_key, content_type, filename, segments = file.blob_key, file.content_type, file.filename, 0
    if link.hls:
        rendition = video_hls.ready_rendition(s, file.sha256)
        if rendition is None or (link.segment is not None and link.segment >= rendition.segment_count):
            raise NotFound(gettext("This part of the video is not available. Reload the player to go on."))
        segments = rendition.segment_count
        if link.segment is None:
            blob_key, content_type = video_hls.playlist_key(rendition), video_hls.PLAYLIST_TYPE
        else:
            blob_key, content_type = video_hls.segment_key(rendition, link.segment), video_hls.SEGMENT_TYPE
            filename = video_hls.segment_name(link.segment)
    return ViewTicket(
        fulfilment_id=saved_id(fulfilment),
        file_id=saved_id(file),
        page=link.page,
        blob_key=blob_key,
        sha256=file.sha256,
        filename=filename,
        content_type=content_type,
        licence_line=_licence_line(s, fulfilment),
        playlist=link.playlist,
        segment=link.segment,
        segment_count=segments,
        session_family=identity[1],
    )


def segment_link_lifetime(segment_count: int) -> timedelta:
    """A segment's link outlives the playlist's by twice the video's length (segments copied
    as they were may run longer than 6 s, and buyers pause), up to half a day: a player
    fetches the playlist once and the last segments only when the buyer gets there. Each
    request is still checked against the purchase and the browser session."""
    extra = timedelta(seconds=segment_count * video_hls.SEGMENT_SECONDS * 2)
    return view_links.STREAM_LINK_LIFETIME + min(extra, timedelta(hours=12))


def playlist(ticket: ViewTicket, store: BlobStore | None = None) -> str:
    """The video's HLS playlist for an authorised request, every segment a signed link bound to
    the same purchase and browser session (blocking: run it in a worker thread). The stored
    playlist names segments by file name only; nothing of the storage reaches the buyer."""
    assert ticket.playlist
    assert ticket.session_family
    blobs = store or storage.blob_store()
    with blobs.open(ticket.blob_key) as stored:
        text = stored.read(1024 * 1024 * 16).decode("utf-8")
    lifetime = segment_link_lifetime(ticket.segment_count)
    lines = []
    for line in text.splitlines():
        name = line.strip()
        if name and not name.startswith("#"):
            match = video_hls.SEGMENT_NAME.fullmatch(name)
            if match is None or int(match.group(1)) >= ticket.segment_count:
                continue  # not a segment this rendition has: never passed on
            line = _sign(
                ticket.fulfilment_id,
                ticket.file_id,
                view_links.segment_part(int(match.group(1))),
                ticket.session_family,
                lifetime,
            )
        lines.append(line)
    return "\n".join(lines) + "\n"


def page_image(ticket: ViewTicket, store: BlobStore | None = None) -> bytes:
    """The watermarked page image of an authorised request, from the cache or rendered now
    (blocking: run it in a worker thread)."""
    key = (ticket.fulfilment_id, ticket.file_id, ticket.page, ticket.sha256)
    cached = page_images.pages.get(key)
    if cached is not None:
        return cached
    blobs = store or storage.blob_store()
    path = page_images.originals.path(ticket.sha256, lambda: blobs.open(ticket.blob_key))
    image = page_images.render_page(path, ticket.page, ticket.licence_line)
    page_images.pages.put(key, image)
    return image
