"""Downloads: the seller's rules, minting links, authorising each request, the log.

A link is minted when the buyer clicks (`mint_link`) and checked again when the
browser fetches it (`authorise`): the fulfilment must still grant access, the
signed-in user must be its buyer, and the product's download limit must not be
used up. Each download (a request for the start of the file) uses one from the
limit; a resumed range is not counted, and once the limit is used up it is allowed
only on a link that already served a counted download. Every request is logged with
the IP address truncated.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce import audit
from commerce.accounts.service import session_user_id
from commerce.actor import Actor, require_admin, require_signed_in
from commerce.catalog import video_hls
from commerce.catalog.access import actor_shop
from commerce.catalog.views import delivers_files, delivers_keys
from commerce.config import get_settings
from commerce.db import dialect_insert
from commerce.delivery import links
from commerce.delivery.grants import waiting_fulfilment_ids
from commerce.delivery.online_only import is_online_only, refusal
from commerce.delivery.stamped import ensure_copy, plan_for, ready_copy
from commerce.errors import NotFound, PermissionDenied, ValidationError
from commerce.i18n import bo_gettext, format_number, gettext, ngettext
from commerce.kit.time import utcnow
from commerce.models import (
    DeliveryPolicy,
    DownloadCounter,
    DownloadEvent,
    Fulfilment,
    FulfilmentStatus,
    Order,
    Product,
    ProductFile,
    ProductVersion,
    Protection,
    StampStatus,
    User,
    primary_key,
    saved_id,
)
from commerce.notifications.preferences import buyers_as_seen_by_shop

MAX_DOWNLOAD_LIMIT = 1000
MIN_LINK_MINUTES = 1
MAX_LINK_MINUTES = 7 * 24 * 60  # a presigned S3 URL cannot outlive a week
MAX_USER_AGENT = 300


class DownloadLimitReached(PermissionDenied):
    pass


class AccessRevoked(PermissionDenied):
    pass


class NotYourLink(PermissionDenied):
    pass


class CopyNotReady(PermissionDenied):
    pass


# -- the seller's rules -------------------------------------------------------


@dataclass(frozen=True)
class DeliverySettingsView:
    product_id: int
    title: str
    delivers_files: bool
    delivers_keys: bool
    download_limit: int | None
    link_minutes: int
    # What every buyer's copy carries: a Protection (none, stamp, mark or both).
    protection: str
    # Buyers view PDFs, audio and video in the browser only (commerce.delivery.viewing).
    online_only: bool
    # Paid sales still being delivered: for a product out of imported keys, buyers waiting.
    waiting: int


def _settings_view(s: Session, product: Product, policy: DeliveryPolicy) -> DeliverySettingsView:
    return DeliverySettingsView(
        product_id=saved_id(product),
        title=product.title,
        delivers_files=delivers_files(product.delivery_kind),
        delivers_keys=delivers_keys(product.delivery_kind),
        download_limit=policy.download_limit,
        link_minutes=policy.link_minutes,
        protection=policy.protection.value,
        online_only=policy.online_only,
        waiting=len(waiting_fulfilment_ids(s, saved_id(product))),
    )


def policy_of(s: Session, product_id: int) -> DeliveryPolicy:
    return s.get(DeliveryPolicy, product_id) or DeliveryPolicy(product_id=product_id)


def _seller_product(s: Session, actor: Actor, product_id: int) -> Product:
    """The product, if the actor sells it or is an admin; the same answer as a missing one otherwise."""
    shop = None if actor.is_admin else actor_shop(s, actor)
    product = s.get(Product, product_id) if isinstance(product_id, int) and not isinstance(product_id, bool) else None
    if product is None or (shop is not None and product.shop_id != shop.id):
        raise NotFound(gettext("This product does not exist."))
    return product


def delivery_settings(s: Session, actor: Actor, product_id: int) -> DeliverySettingsView:
    product = _seller_product(s, actor, product_id)
    return _settings_view(s, product, policy_of(s, saved_id(product)))


def set_delivery_settings(
    s: Session,
    actor: Actor,
    product_id: int,
    *,
    download_limit: int | None,
    link_minutes: int,
    protection: str | None = None,
    online_only: bool | None = None,
) -> DeliverySettingsView:
    """Downloads per buyer (None: unlimited), how long each minted link works and, unless
    None, what buyers' copies carry (a `Protection`: a visible stamp on PDFs, an invisible
    mark of the purchase, both, or none) and whether the files a browser can show are
    viewed online only."""
    product = _seller_product(s, actor, product_id)
    if download_limit is not None and (
        isinstance(download_limit, bool)
        or not isinstance(download_limit, int)
        or not 1 <= download_limit <= MAX_DOWNLOAD_LIMIT
    ):
        raise ValidationError(
            bo_gettext(
                "The download limit is a whole number from 1 to {maximum}, or empty for unlimited downloads.",
                maximum=format_number(MAX_DOWNLOAD_LIMIT),
            ),
            "download_limit",
        )
    if (
        isinstance(link_minutes, bool)
        or not isinstance(link_minutes, int)
        or not (MIN_LINK_MINUTES <= link_minutes <= MAX_LINK_MINUTES)
    ):
        raise ValidationError(
            bo_gettext(
                "A link lasts from {minimum} minute to {maximum} minutes (a week).",
                minimum=MIN_LINK_MINUTES,
                maximum=format_number(MAX_LINK_MINUTES),
            ),
            "link_minutes",
        )
    policy = s.get(DeliveryPolicy, product.id)
    if policy is None:
        policy = DeliveryPolicy(product_id=saved_id(product))
    if protection is not None and protection not in {p.value for p in Protection}:
        raise ValidationError(
            bo_gettext("Choose what buyers' copies carry: a visible stamp, an invisible mark, both, or neither."),
            "protection",
        )
    if online_only is not None and not isinstance(online_only, bool):
        raise ValidationError(bo_gettext("Choose whether files are viewed online only."), "online_only")
    policy.download_limit, policy.link_minutes, policy.updated_at = download_limit, link_minutes, utcnow()
    if protection is not None:
        policy.protection = Protection(protection)
    if online_only is not None:
        policy.online_only = online_only
    s.add(policy)
    s.flush()
    if policy.online_only:
        video_hls.ensure_product_renditions(s, saved_id(product))  # its videos play through HLS once cut
    return _settings_view(s, product, policy)


# -- the buyer's allowance ----------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    used: int
    limit: int | None

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.used >= self.limit

    @property
    def label(self) -> str:
        if self.limit is None:
            return "Unlimited downloads"
        return f"{self.used} of {self.limit} downloads used"

    @property
    def refusal(self) -> str:
        return ngettext(
            "You have used the one download the seller allows for this product. "
            "Contact the seller to have your downloads reset.",
            "You have used all {count} downloads the seller allows for this product. "
            "Contact the seller to have your downloads reset.",
            self.limit or 0,
        )


def allowance(s: Session, buyer_id: int, product_id: int) -> Allowance:
    counter = s.get(DownloadCounter, (buyer_id, product_id))
    return Allowance(used=counter.used if counter else 0, limit=policy_of(s, product_id).download_limit)


def _use_one(s: Session, buyer_id: int, product_id: int, limit: int | None) -> bool:
    """Count one download, atomically refusing past the limit. False when at the limit."""
    # One statement for every counted download: the first creates the counter at one (a limit
    # is at least one), a later one adds one while under the limit. Two first downloads at once
    # cannot both create it, and a counter this session holds is brought up to date.
    statement = (
        dialect_insert(s)(DownloadCounter)
        .values(buyer_id=buyer_id, product_id=product_id, used=1)
        .on_conflict_do_update(
            index_elements=["buyer_id", "product_id"],
            set_={"used": DownloadCounter.used + 1},
            where=col(DownloadCounter.used) < limit if limit is not None else None,
        )
        .returning(DownloadCounter)
        .execution_options(populate_existing=True)
    )
    return s.exec(statement).first() is not None


def reset_downloads(s: Session, actor: Actor, product_id: int, buyer_id: int) -> None:
    """The seller (or an admin) gives a buyer their full download allowance back."""
    product = _seller_product(s, actor, product_id)
    counter = s.get(DownloadCounter, (buyer_id, product.id)) if isinstance(buyer_id, int) else None
    if counter is None:
        raise NotFound(bo_gettext("This buyer has not downloaded this product."))
    counter.used, counter.reset_at = 0, utcnow()
    s.add(counter)
    s.flush()


def reset_order_downloads(s: Session, actor: Actor, reference: str) -> int:
    """An admin gives an order's buyer their full download allowance back on everything
    the order granted; returns how many products had downloads to reset."""
    admin_id = require_admin(actor, "reset_order_downloads", reference=reference)
    order = s.exec(select(Order).where(Order.reference == reference)).first()
    if order is None:
        raise NotFound(gettext("There is no such order."))
    product_ids = s.exec(select(Fulfilment.product_id).where(Fulfilment.order_id == order.id)).all()
    counters = s.exec(
        select(DownloadCounter).where(
            DownloadCounter.buyer_id == order.buyer_id,
            col(DownloadCounter.product_id).in_(product_ids),
            DownloadCounter.used > 0,
        )
    ).all()
    now = utcnow()
    for counter in counters:
        counter.used, counter.reset_at = 0, now
        s.add(counter)
    s.flush()
    audit.record(
        s,
        admin_id,
        "reset_order_downloads",
        "order",
        order.reference,
        label=f"{order.reference} ({len(counters)} product{'s' if len(counters) != 1 else ''})",
    )
    return len(counters)


# -- minting ------------------------------------------------------------------


@dataclass(frozen=True)
class MintedLink:
    """Either a URL to open now, or `preparing` with a message (a stamped copy on its way)."""

    url: str
    filename: str
    preparing: bool
    message: str


def buyer_fulfilment(s: Session, buyer_id: int, product_id: int) -> Fulfilment | None:
    """The buyer's first purchase of the product that still grants access."""
    return s.exec(
        select(Fulfilment)
        .where(
            Fulfilment.buyer_id == buyer_id,
            Fulfilment.product_id == product_id,
            Fulfilment.status == FulfilmentStatus.GRANTED,
        )
        .order_by(col(Fulfilment.id))
        .limit(1)
    ).first()


def mint_link(s: Session, actor: Actor, file_id: int) -> MintedLink:
    """A fresh signed link to one file the actor owns (any released version of a product they bought)."""
    user_id = require_signed_in(actor)
    file = released_file(s, file_id)
    fulfilment = buyer_fulfilment(s, user_id, file.product_id) if file else None
    if file is None or fulfilment is None:
        raise NotFound(gettext("This file is not in your library."))
    return mint_for(s, fulfilment, file)


def released_file(s: Session, file_id: int) -> ProductFile | None:
    """The file, if it belongs to a released version (drafts are the seller's alone)."""
    file = s.get(ProductFile, file_id) if isinstance(file_id, int) and not isinstance(file_id, bool) else None
    if file is None or s.get_one(ProductVersion, file.version_id).released_at is None:
        return None
    return file


def mint_for(s: Session, fulfilment: Fulfilment, file: ProductFile, *, by_receipt: bool = False) -> MintedLink:
    """A link to `file` under a fulfilment the caller checked is the viewer's; `by_receipt` for a
    browser that holds the order's receipt token but no session (short-lived, see links)."""
    user_id = fulfilment.buyer_id
    if is_online_only(s, file):
        raise refusal(file)
    policy = policy_of(s, file.product_id)
    current = allowance(s, user_id, file.product_id)
    if current.exhausted:
        raise DownloadLimitReached(current.refusal)
    plan = plan_for(s, file)
    if plan.personal:
        copy = ensure_copy(s, fulfilment, file, plan)
        if copy.status == StampStatus.FAILED:
            raise PermissionDenied(
                gettext(
                    "Your copy of {file} could not be prepared: {problem} The seller has been shown the problem.",
                    file=file.filename,
                    problem=copy.error,
                )
            )
        if copy.status != StampStatus.READY:
            return MintedLink(
                url="",
                filename=file.filename,
                preparing=True,
                message=f"Preparing your personal copy of {file.filename}…",
            )
    url = links.sign(
        get_settings().secret_key,
        saved_id(fulfilment),
        saved_id(file),
        file.filename,
        lifetime=timedelta(minutes=policy.link_minutes),
        by_receipt=by_receipt,
    )
    return MintedLink(url=url, filename=file.filename, preparing=False, message="")


# -- fetching -----------------------------------------------------------------


@dataclass(frozen=True)
class DownloadTicket:
    """What the HTTP route serves: a stored blob under the file's own name."""

    blob_key: str
    filename: str
    content_type: str


def truncate_ip(address: str | None) -> str:
    """IPv4 to its /24, IPv6 to its /48; anything unparsable is dropped."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def authorise(
    s: Session,
    link: links.SignedDownload,
    *,
    session_token: str | None,
    counts: bool,
    ip: str | None,
    user_agent: str | None,
) -> DownloadTicket:
    """Check a verified link against the database at request time; count and log it.

    `counts` is False for requests that continue a download (a byte range not at
    the start). Those do not use the allowance, but are allowed only while the
    allowance lasts or when this very link (fulfilment, file and expiry) already
    served a counted download; otherwise a range from byte 1 would fetch the file
    past the limit. Every request is logged; a continuation is logged as not counted.
    """
    fulfilment = s.get(Fulfilment, link.fulfilment_id)
    file = s.get(ProductFile, link.file_id)
    if fulfilment is None or file is None or file.product_id != fulfilment.product_id:
        raise links.InvalidLink(gettext("This download link is not valid. Open your library to get a new one."))
    if fulfilment.status != FulfilmentStatus.GRANTED:
        raise AccessRevoked(
            gettext(
                "Your access to this product has ended because the order was refunded or "
                "disputed, so it can no longer be downloaded."
            )
        )
    # A receipt link was minted for the browser that paid, which may hold no session.
    user_id = fulfilment.buyer_id if link.by_receipt else session_user_id(s, session_token)
    if user_id != fulfilment.buyer_id:
        raise NotYourLink(
            gettext(
                "This download link belongs to another account. Sign in as the buyer and download it from your library."
            )
        )
    if is_online_only(s, file):
        raise refusal(file)  # a link minted before the seller made the file online only
    blob_key, stamped = file.blob_key, False
    policy = policy_of(s, file.product_id)
    plan = plan_for(s, file, protection=policy.protection)
    if plan.personal:
        # The original is never served when the buyer's copy must carry a stamp or a mark.
        copy = ready_copy(s, file, user_id, plan)
        if copy is None or copy.blob_key is None:
            raise CopyNotReady(gettext("Your personal copy is still being prepared. Try again in a moment."))
        blob_key, stamped = copy.blob_key, True
    if counts:
        if not _use_one(s, user_id, file.product_id, policy.download_limit):
            raise DownloadLimitReached(Allowance(policy.download_limit or 0, policy.download_limit).refusal)
    elif allowance(s, user_id, file.product_id).exhausted and not _link_counted(s, link):
        raise DownloadLimitReached(Allowance(policy.download_limit or 0, policy.download_limit).refusal)
    s.add(
        DownloadEvent(
            buyer_id=user_id,
            product_id=file.product_id,
            file_id=saved_id(file),
            version_id=file.version_id,
            fulfilment_id=saved_id(fulfilment),
            ip_prefix=truncate_ip(ip),
            user_agent=(user_agent or "")[:MAX_USER_AGENT],
            stamped=stamped,
            counted=counts,
            link_expires_at=link.expires_at,
        )
    )
    s.flush()
    return DownloadTicket(blob_key=blob_key, filename=file.filename, content_type=file.content_type)


def _link_counted(s: Session, link: links.SignedDownload) -> bool:
    """Whether this link has served a counted download since the buyer's allowance was last reset."""
    return (
        s.exec(
            select(DownloadEvent.id)
            .where(
                DownloadEvent.fulfilment_id == link.fulfilment_id,
                DownloadEvent.file_id == link.file_id,
                DownloadEvent.link_expires_at == link.expires_at,
                col(DownloadEvent.counted).is_(True),
            )
            .limit(1)
        ).first()
        is not None
    )


# -- what the seller sees -----------------------------------------------------


@dataclass(frozen=True)
class BuyerDownloads:
    buyer_id: int
    # The buyer's email, or the shop's pseudonym for them if they keep it from sellers.
    buyer: str
    used: int
    last_download_at: datetime | None
    last_download_label: str


@dataclass(frozen=True)
class FileDownloads:
    file_id: int
    filename: str
    version_label: str
    downloads: int


@dataclass(frozen=True)
class DownloadStats:
    total: int
    buyers: list[BuyerDownloads]
    files: list[FileDownloads]


def download_stats(s: Session, actor: Actor, product_id: int, *, limit: int = 100) -> DownloadStats:
    """Download counts of one product: in total, per buyer (with reset), per file."""
    product = _seller_product(s, actor, product_id)
    counted = col(DownloadEvent.counted).is_(True)
    total = s.exec(
        select(func.count()).select_from(DownloadEvent).where(DownloadEvent.product_id == product.id, counted)
    ).one()
    last = (
        select(DownloadEvent.buyer_id, func.max(DownloadEvent.created_at).label("last"))
        .where(DownloadEvent.product_id == product.id, counted)
        .group_by(col(DownloadEvent.buyer_id))
        .subquery()
    )
    buyer_rows = s.exec(
        select(DownloadCounter.buyer_id, User.email, DownloadCounter.used, last.c.last)
        .join(User, col(User.id) == col(DownloadCounter.buyer_id))
        .join(last, last.c.buyer_id == DownloadCounter.buyer_id, isouter=True)
        .where(DownloadCounter.product_id == product.id)
        .order_by(last.c.last.desc())
        .limit(limit)
    ).all()
    file_rows = s.exec(
        select(
            col(ProductFile.id), col(ProductFile.filename), col(ProductVersion.label), func.count(col(DownloadEvent.id))
        )
        .join(ProductVersion, col(ProductVersion.id) == col(ProductFile.version_id))
        .join(DownloadEvent, col(DownloadEvent.file_id) == col(ProductFile.id))
        .where(ProductFile.product_id == product.id, counted)
        .group_by(col(ProductFile.id), col(ProductFile.filename), col(ProductVersion.label), col(ProductVersion.number))
        .order_by(col(ProductVersion.number).desc(), col(ProductFile.id))
    ).all()
    shown = buyers_as_seen_by_shop(s, product.shop_id, {b: e for b, e, _, _ in buyer_rows})
    return DownloadStats(
        total=total,
        buyers=[
            BuyerDownloads(
                buyer_id=b,
                buyer=shown[b],
                used=u,
                last_download_at=t,
                last_download_label=f"{t:%-d %b %Y %H:%M} UTC" if t else "",
            )
            for b, e, u, t in buyer_rows
        ],
        files=[
            FileDownloads(file_id=primary_key(i), filename=n, version_label=v, downloads=c) for i, n, v, c in file_rows
        ],
    )
