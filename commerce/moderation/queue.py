"""The moderation queue: everything waiting for an admin's decision, in one list.

- products published (or published again) and not yet approved, and live products
  edited since an admin last approved them (they stay live meanwhile);
- products and reviews with open reports, with the newest reports and their reasons;
- shops above a quality threshold;
- paid products that could not be delivered (`delivery_problems`): refunded
  automatically, listed for two weeks, or until handled when the refund failed.

Items the automatic checks flag (banned words, file types, shop thresholds) come
first; within each group the item waiting longest comes first. Each item carries
the earlier decisions about it from the audit record.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce import audit
from commerce.actor import Actor, require_admin
from commerce.i18n import bo_gettext, bo_N_
from commerce.kit.pagination import Page, make_page, page_bounds
from commerce.kit.time import minute_label, utcnow
from commerce.links import ADMIN_ORDERS_PATH, ADMIN_USERS_PATH, product_url, shop_url
from commerce.models import (
    AuditRecord,
    DeliveryProblem,
    ModerationStatus,
    Order,
    Product,
    ProductStatus,
    ProductTag,
    ProductTranslation,
    Report,
    ReportStatus,
    ReportSubject,
    Review,
    Shop,
    User,
    by_id,
    primary_key,
    saved_id,
)
from commerce.moderation import checks
from commerce.moderation.quality import flagged_shops
from commerce.reviews.service import REPORT_REASONS

KINDS = ("all", "product", "review", "shop", "delivery")
# How long an automatically refunded delivery problem stays in the queue for admins to see.
DELIVERY_PROBLEM_DAYS = 14
AGES = {"any": bo_N_("Any age"), "new": bo_N_("Under a day"), "day": bo_N_("Over a day"), "week": bo_N_("Over a week")}
REPORTS_SHOWN = 3


@dataclass(frozen=True)
class ReportView:
    id: int
    reason: str
    reason_label: str
    details: str
    reporter_name: str
    reporter_email: str
    when_label: str


@dataclass(frozen=True)
class QueueItem:
    key: str  # "product:12", "review:5", "shop:3"
    kind: str
    subject_id: int
    title: str
    subtitle: str
    body: str
    url: str
    pending: bool  # a product waiting for approval
    edited: bool  # a live product changed since its last approval
    rating: int  # a review's stars; 0 otherwise
    waiting_since: datetime | None
    age_label: str
    report_count: int
    reports: list[ReportView] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    history: list[audit.AuditEntry] = field(default_factory=list)
    flagged: bool = False  # an automatic check found something: shown first
    manage_url: str = ""  # shops: the admin page where the seller can be suspended


@dataclass(frozen=True)
class QueuePage:
    page: Page
    counts: dict[str, int]  # per kind, before the filters ("all" included)


def age_label(since: datetime | None, now: datetime) -> str:
    if since is None:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def _open_reports(s: Session) -> tuple[dict[int, list[Report]], dict[int, list[Report]]]:
    """Open reports by product (product reports) and by review, newest first."""
    by_product: dict[int, list[Report]] = defaultdict(list)
    by_review: dict[int, list[Report]] = defaultdict(list)
    for report in s.exec(
        select(Report)
        .where(Report.status == ReportStatus.OPEN)
        .order_by(col(Report.created_at).desc(), col(Report.id).desc())
    ).all():
        if report.subject == ReportSubject.REVIEW and report.review_id is not None:  # a review report names one
            by_review[report.review_id].append(report)
        else:
            by_product[report.product_id].append(report)
    return by_product, by_review


def _report_views(reports: list[Report], people: dict[int, User]) -> list[ReportView]:
    return [
        ReportView(
            id=saved_id(r),
            reason=r.reason,
            reason_label=REPORT_REASONS.get(r.reason, r.reason),
            details=r.details,
            reporter_name=people[r.reporter_id].display_name,
            reporter_email=people[r.reporter_id].email,
            when_label=minute_label(r.created_at),
        )
        for r in reports[:REPORTS_SHOWN]
    ]


def _edited_since_approval(s: Session) -> set[int]:
    """Live products changed after the latest approval an admin recorded for them."""
    approved_at = {
        int(subject_id): moment
        for subject_id, moment in s.exec(
            select(AuditRecord.subject_id, func.max(AuditRecord.created_at))
            .where(AuditRecord.action == "approve_product", AuditRecord.subject == "product")
            .group_by(AuditRecord.subject_id)
        ).all()
    }
    if not approved_at:
        return set()
    rows = s.exec(
        select(Product.id, Product.updated_at).where(
            col(Product.id).in_(list(approved_at)),
            Product.status == ProductStatus.PUBLISHED,
            Product.moderation_status == ModerationStatus.APPROVED,
        )
    ).all()
    return {
        primary_key(product_id) for product_id, updated_at in rows if updated_at > approved_at[primary_key(product_id)]
    }


def build_queue(s: Session, now: datetime | None = None) -> list[QueueItem]:
    """Every item waiting for a decision, flagged first, then longest waiting first."""
    now = now or utcnow()
    product_reports, review_reports = _open_reports(s)
    pending_ids = {
        primary_key(product_id)
        for product_id in s.exec(
            select(Product.id).where(
                Product.status == ProductStatus.PUBLISHED, Product.moderation_status == ModerationStatus.PENDING
            )
        ).all()
    }
    edited_ids = _edited_since_approval(s)
    checked_ids = pending_ids | edited_ids  # the automatic checks look at what a person has not seen
    product_ids = checked_ids | set(product_reports)
    reviews = (
        by_id(
            s.exec(
                select(Review).where(col(Review.id).in_(list(review_reports)), col(Review.hidden_at).is_(None))
            ).all()
        )
        if review_reports
        else {}
    )
    products = by_id(
        s.exec(select(Product).where(col(Product.id).in_(product_ids | {r.product_id for r in reviews.values()}))).all()
    )
    shops = by_id(s.exec(select(Shop).where(col(Shop.id).in_({p.shop_id for p in products.values()}))).all())
    tags: dict[int, list[str]] = defaultdict(list)
    for product_id, tag in s.exec(
        select(ProductTag.product_id, ProductTag.tag).where(col(ProductTag.product_id).in_(product_ids))
    ).all():
        tags[product_id].append(tag)
    # Translations are checked with the original: a word banned in English is banned in any text.
    translated: dict[int, list[str]] = defaultdict(list)
    for product_id, title, summary, description in s.exec(
        select(
            ProductTranslation.product_id,
            ProductTranslation.title,
            ProductTranslation.summary,
            ProductTranslation.description,
        ).where(col(ProductTranslation.product_id).in_(product_ids))
    ).all():
        translated[product_id] += [title, summary, description]
    people_ids = {r.reporter_id for rs in (*product_reports.values(), *review_reports.values()) for r in rs}
    people_ids |= {review.buyer_id for review in reviews.values()}
    people = by_id(s.exec(select(User).where(col(User.id).in_(people_ids))).all()) if people_ids else {}
    words = checks.word_checker(s)
    file_flags = checks.file_problems(s, list(checked_ids))
    shops_flagged = flagged_shops(s)
    history = audit.history(
        s,
        [("product", str(pid)) for pid in product_ids]
        + [("review", str(rid)) for rid in reviews]
        + [("shop", str(quality.shop_id)) for quality in shops_flagged],
    )

    items: list[QueueItem] = []
    for product_id in product_ids:
        product = products[product_id]
        shop = shops[product.shop_id]
        reports = product_reports.get(product_id, [])
        pending = product_id in pending_ids
        edited = product_id in edited_ids
        flags = [
            bo_gettext("Banned word: “{word}”.", word=word)
            for word in words.hits(
                product.title, product.summary, product.description, " ".join(tags[product_id]), *translated[product_id]
            )
        ]
        flags += file_flags.get(product_id, [])
        since = product.updated_at if pending or edited else reports[-1].created_at
        state = (
            bo_gettext("waiting for approval")
            if pending
            else bo_gettext("edited since approval")
            if edited
            else bo_gettext("reported")
        )
        items.append(
            QueueItem(
                key=f"product:{product_id}",
                kind="product",
                subject_id=product_id,
                title=product.title,
                subtitle=f"{shop.name} · {state}",
                body=product.summary,
                url=product_url(shop.slug, product.slug),
                pending=pending,
                edited=edited,
                rating=0,
                waiting_since=since,
                age_label=age_label(since, now),
                report_count=len(reports),
                reports=_report_views(reports, people),
                flags=flags,
                flagged=bool(flags),
                history=history.get(("product", str(product_id)), []),
            )
        )
    for review_id, review in reviews.items():
        product = products[review.product_id]
        shop = shops[product.shop_id]
        reports = review_reports[review_id]
        since = reports[-1].created_at
        flags = [bo_gettext("Banned word: “{word}”.", word=word) for word in words.hits(review.body)]
        items.append(
            QueueItem(
                key=f"review:{review_id}",
                kind="review",
                subject_id=review_id,
                title=bo_gettext("Review of {title}", title=product.title),
                subtitle=bo_gettext("by {name} · {shop}", name=people[review.buyer_id].display_name, shop=shop.name),
                body=review.body,
                url=product_url(shop.slug, product.slug),
                pending=False,
                edited=False,
                rating=review.rating,
                waiting_since=since,
                age_label=age_label(since, now),
                report_count=len(reports),
                reports=_report_views(reports, people),
                flags=flags,
                flagged=bool(flags),
                history=history.get(("review", str(review_id)), []),
            )
        )
    for quality in shops_flagged:
        items.append(
            QueueItem(
                key=f"shop:{quality.shop_id}",
                kind="shop",
                subject_id=quality.shop_id,
                title=quality.shop_name,
                subtitle=bo_gettext("Shop of {email}", email=quality.owner_email),
                body="",
                url=shop_url(quality.shop_slug),
                pending=False,
                edited=False,
                rating=0,
                waiting_since=None,
                age_label="",
                report_count=quality.reports,
                flags=quality.flags,
                flagged=True,
                manage_url=ADMIN_USERS_PATH + "?" + urlencode({"q": quality.owner_email}),
                history=history.get(("shop", str(quality.shop_id)), []),
            )
        )
    items += _delivery_problems(s, now)
    far_future = now + timedelta(days=1)
    items.sort(key=lambda item: (not item.flagged, item.waiting_since or far_future, item.key))
    return items


def _delivery_problems(s: Session, now: datetime) -> list[QueueItem]:
    rows = s.exec(
        select(DeliveryProblem, Order.reference, Product.title, Shop.name)
        .join(Order, col(Order.id) == col(DeliveryProblem.order_id))
        .join(Product, col(Product.id) == col(DeliveryProblem.product_id))
        .join(Shop, col(Shop.id) == col(DeliveryProblem.shop_id))
        .where(
            (col(DeliveryProblem.refund_error) != "")
            | (col(DeliveryProblem.created_at) > now - timedelta(days=DELIVERY_PROBLEM_DAYS))
        )
        .order_by(col(DeliveryProblem.created_at))
    ).all()
    items = []
    for problem, reference, title, shop_name in rows:
        refund = (
            bo_gettext(
                "The automatic refund failed: {error}. Refund the buyer from the order page.",
                error=problem.refund_error,
            )
            if problem.refund_error
            else bo_gettext("The line was refunded automatically.")
        )
        items.append(
            QueueItem(
                key=f"delivery:{problem.fulfilment_id}",
                kind="delivery",
                subject_id=problem.fulfilment_id,
                title=bo_gettext("Paid but not delivered: {title}", title=title),
                subtitle=bo_gettext("{shop} · order {reference}", shop=shop_name, reference=reference),
                body=f"{problem.reason.capitalize()}. {refund}",
                url=ADMIN_ORDERS_PATH + "?" + urlencode({"ref": reference}),
                pending=False,
                edited=False,
                rating=0,
                waiting_since=problem.created_at,
                age_label=age_label(problem.created_at, now),
                report_count=0,
                flags=[refund] if problem.refund_error else [],
                flagged=bool(problem.refund_error),
                manage_url=ADMIN_ORDERS_PATH + "?" + urlencode({"ref": reference}),
            )
        )
    return items


def _age_matches(item: QueueItem, age: str, now: datetime) -> bool:
    if age == "any":
        return True
    if item.waiting_since is None:
        return False
    waited = now - item.waiting_since
    return {"new": waited < timedelta(days=1), "day": waited >= timedelta(days=1), "week": waited >= timedelta(days=7)}[
        age
    ]


def moderation_queue(
    s: Session,
    actor: Actor,
    *,
    kind: str = "all",
    age: str = "any",
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
) -> QueuePage:
    """Admins: the queue, filtered by kind and by how long items have waited."""
    require_admin(actor, "moderation_queue")
    now = now or utcnow()
    kind = kind if kind in KINDS else "all"
    age = age if age in AGES else "any"
    items = build_queue(s, now)
    counts = {name: sum(1 for item in items if name in ("all", item.kind)) for name in KINDS}
    chosen = [item for item in items if kind in ("all", item.kind) and _age_matches(item, age, now)]
    page, per_page = page_bounds(page, per_page)
    return QueuePage(
        page=make_page(chosen[(page - 1) * per_page : page * per_page], page, per_page, len(chosen)), counts=counts
    )
