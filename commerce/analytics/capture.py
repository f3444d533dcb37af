"""Capturing what visitors do, on the server and cheaply: one row per event, no third party.

Visitors are a random id from a cookie (`new_visitor_id`), never linked to an
account, and events carry no user id. Where a visit came from (the referring
site's host, UTM source/medium/campaign of the landing address) is worked out
here from what the browser reports; a bot is not counted at all.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from commerce.actor import Actor
from commerce.db import dialect_insert
from commerce.errors import ValidationError
from commerce.kit.time import utcnow
from commerce.models import (
    AnalyticsEvent,
    AnalyticsPendingRollup,
    AnalyticsSalt,
    Order,
    OrderLine,
    Product,
    ProductFile,
)

# What a page may record; purchases and refunds come from the orders lifecycle only.
VISITOR_EVENT_KINDS = ("view", "add_to_cart", "checkout", "download")
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign")
_UTM_LENGTH = 100
_BOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|lighthouse|facebookexternalhit|curl/|wget/|python-requests|httpx", re.I
)
_TABLET = re.compile(r"ipad|tablet|kindle|silk|playbook|(android(?!.*mobile))", re.I)
_PHONE = re.compile(r"mobi|iphone|ipod|android|windows phone|blackberry|opera mini", re.I)
_HOSTNAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")
# Today's salt and yesterday's exist; older ones are deleted, so older keys cannot be recomputed.
SALT_DAYS = 2


@dataclass(frozen=True)
class VisitContext:
    """Where a visit came from and on what; nothing in it identifies a person."""

    visitor_id: str | None = None
    referrer_host: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    device: str = "unknown"
    country: str | None = None


def new_visitor_id() -> str:
    return secrets.token_hex(16)


def is_visitor_id(value: str | None) -> bool:
    return value is not None and re.fullmatch(r"[0-9a-f]{32}", value) is not None


def day_salt(s: Session, day: date) -> bytes:
    """The random salt of `day`'s visitor keys, made by the first event of the day (once,
    whichever process gets there first); making it deletes the salts past `SALT_DAYS`."""
    found = s.exec(select(AnalyticsSalt.salt).where(AnalyticsSalt.day == day)).first()
    if found is not None:
        return found
    insert = dialect_insert(s)
    made = s.exec(
        insert(AnalyticsSalt)
        .values(day=day, salt=secrets.token_bytes(32))
        .on_conflict_do_nothing(index_elements=["day"])
    )
    if made.rowcount:
        forget_old_salts(s, today=day)
    return s.exec(select(AnalyticsSalt.salt).where(AnalyticsSalt.day == day)).one()


def forget_old_salts(s: Session, *, today: date) -> int:
    """Delete the salts older than `SALT_DAYS`; returns how many went."""
    gone = s.exec(delete(AnalyticsSalt).where(col(AnalyticsSalt.day) <= today - timedelta(days=SALT_DAYS)))
    return gone.rowcount


def visitor_key(salt: bytes, shop_id: int, visitor_id: str) -> str:
    """The visitor's pseudonym in one shop for the salt's day (never shown to anyone)."""
    return hmac.new(salt, f"{shop_id}:{visitor_id}".encode(), hashlib.sha256).hexdigest()[:32]


def device_class(user_agent: str | None) -> str | None:
    """ "desktop", "phone", "tablet" or "unknown"; None for a bot, which is not counted."""
    if not user_agent:
        return "unknown"
    if _BOT.search(user_agent):
        return None
    if _TABLET.search(user_agent):
        return "tablet"
    if _PHONE.search(user_agent):
        return "phone"
    return "desktop"


def referrer_host(referrer: str | None, own_host: str | None) -> str | None:
    """The referring site's host ("news.ycombinator.com"), or None for direct visits and our own pages."""
    if not referrer:
        return None
    try:
        host = (urlsplit(referrer.strip()).hostname or "").lower()
    except ValueError:
        return None
    if host.startswith("www."):
        host = host[4:]
    own = (own_host or "").lower().removeprefix("www.")
    if host == own or len(host) > 255 or not _HOSTNAME.fullmatch(host):
        return None
    return host


def utm_from_url(url: str | None) -> dict[str, str]:
    """The UTM parameters of a landing address, trimmed and lower-cased."""
    if not url:
        return {}
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        return {}
    found = {}
    for field in UTM_FIELDS:
        value = (query.get(field) or [""])[0].strip().lower()[:_UTM_LENGTH]
        if value:
            found[field] = value
    return found


def encode_source(referrer: str | None, utm: dict[str, str]) -> str:
    """The visit's source as a short cookie value (a query string)."""
    fields = {key: value for key, value in utm.items() if key in UTM_FIELDS and value}
    if referrer:
        fields["ref"] = referrer
    return urlencode(fields)


def decode_source(cookie: str | None) -> dict[str, str | None]:
    """The cookie written by `encode_source`, as VisitContext fields; junk gives nothing."""
    parsed = parse_qs(cookie or "")
    ref = (parsed.get("ref") or [""])[0]
    fields: dict[str, str | None] = {"referrer_host": referrer_host(f"https://{ref}/", None) if ref else None}
    for field in UTM_FIELDS:
        value = (parsed.get(field) or [""])[0].strip().lower()[:_UTM_LENGTH]
        fields[field] = value or None
    return fields


def country_code(value: str | None) -> str | None:
    """A two-letter country from a CDN header such as CF-IPCountry; unknown ("XX", "T1") gives None."""
    code = (value or "").strip().upper()
    return code if re.fullmatch(r"[A-Z]{2}", code) and code not in {"XX", "T1", "ZZ"} else None


def mark_for_recompute(s: Session, shop_id: int, when: datetime) -> None:
    """Have the rollup job recompute the shop's day of `when` from its events, for a change
    to events already rolled up (`rollups.roll_up_day`); new events need no mark."""
    insert = dialect_insert(s)
    statement = insert(AnalyticsPendingRollup).values(shop_id=shop_id, day=when.date(), version=1)
    statement = statement.on_conflict_do_update(
        index_elements=["shop_id", "day"], set_={"version": AnalyticsPendingRollup.version + 1}
    )
    s.exec(statement)


def add_event(s: Session, *events: AnalyticsEvent) -> None:
    """Record events: inserted in one flush, and no other row (the rollup job adds them later)."""
    s.add_all(events)
    s.flush()


def record_event(
    s: Session,
    actor: Actor,
    kind: str,
    visit: VisitContext,
    *,
    product_ids: list[int] | tuple[int, ...] = (),
    order_reference: str | None = None,
) -> int:
    """Record what a visitor did with some products; returns how many events were kept.

    `checkout` takes the order just started (`order_reference`) and records one
    event per product in it; the others take `product_ids`. Unknown products are
    skipped, and so are a seller's own products (their previews are not interest).
    Recording the same checkout twice keeps one event per product. Every event
    carries the visitor's key for the day (`visitor_key`), the checkout's too: the
    purchase copies it from there, so the funnel follows the visitor to the sale.
    """
    if kind not in VISITOR_EVENT_KINDS:
        raise ValidationError(f"{kind!r} is not an event a page can record.")
    if visit.visitor_id is not None and not is_visitor_id(visit.visitor_id):
        visit = VisitContext(**{**visit.__dict__, "visitor_id": None})
    now = utcnow()
    targets: list[tuple[int, int, int | None, int | None]] = []  # (shop, product, order, line)
    if kind == "checkout":
        if not order_reference:
            raise ValidationError("A checkout event needs its order.")
        order = s.exec(select(Order).where(Order.reference == order_reference)).first()
        if order is None:
            return 0
        lines = s.exec(select(OrderLine).where(col(OrderLine.order_id) == order.id).order_by(col(OrderLine.id))).all()
        targets = [(line.shop_id, line.product_id, order.id, line.id) for line in lines]
    else:
        wanted = [pid for pid in dict.fromkeys(product_ids) if isinstance(pid, int) and not isinstance(pid, bool)]
        if wanted:
            rows = s.exec(select(Product.id, Product.shop_id).where(col(Product.id).in_(wanted))).all()
            shop_of = dict(rows)
            targets = [(shop_of[pid], pid, None, None) for pid in wanted if pid in shop_of]
    salt = day_salt(s, now.date()) if visit.visitor_id and targets else b""
    kept = 0
    for shop_id, product_id, order_id, line_id in targets:
        if actor.shop_id is not None and actor.shop_id == shop_id:
            continue
        dedupe = f"checkout:{line_id}" if line_id is not None else None
        if dedupe and s.exec(select(AnalyticsEvent.id).where(AnalyticsEvent.dedupe_key == dedupe)).first():
            continue
        key = visitor_key(salt, shop_id, visit.visitor_id) if visit.visitor_id else None
        if key and line_id is not None:
            _key_purchase(s, line_id, key)
        add_event(
            s,
            AnalyticsEvent(
                kind=kind,
                occurred_at=now,
                shop_id=shop_id,
                product_id=product_id,
                visitor_key=key,
                referrer_host=visit.referrer_host,
                utm_source=visit.utm_source,
                utm_medium=visit.utm_medium,
                utm_campaign=visit.utm_campaign,
                device=visit.device,
                country=visit.country,
                order_id=order_id,
                order_line_id=line_id,
                dedupe_key=dedupe,
            ),
        )
        kept += 1
    return kept


def _key_purchase(s: Session, line_id: int, key: str) -> None:
    """A free order is paid, and its purchase counted, before the page records its checkout:
    the purchase gets the checkout's visitor key then, and its day is recomputed (the funnel
    counted it as the order's own visitor)."""
    purchase = s.exec(
        select(AnalyticsEvent.shop_id, AnalyticsEvent.occurred_at).where(
            AnalyticsEvent.dedupe_key == f"purchase:{line_id}", col(AnalyticsEvent.visitor_key).is_(None)
        )
    ).first()
    if purchase is None:
        return
    s.exec(
        update(AnalyticsEvent).where(col(AnalyticsEvent.dedupe_key) == f"purchase:{line_id}").values(visitor_key=key)
    )
    mark_for_recompute(s, *purchase)


def record_download(s: Session, file_id: int, user_agent: str | None) -> None:
    """A buyer's counted download of one file. A signed-in buyer, so no visitor key: only the device."""
    device = device_class(user_agent)
    row = s.exec(
        select(Product.id, Product.shop_id)
        .join(ProductFile, col(ProductFile.product_id) == col(Product.id))
        .where(ProductFile.id == file_id)
    ).first()
    if device is None or row is None:
        return
    product_id, shop_id = row
    add_event(
        s, AnalyticsEvent(kind="download", occurred_at=utcnow(), shop_id=shop_id, product_id=product_id, device=device)
    )
