"""Moderators' decisions: one function each, each writing its audit record.

approve_product and reject_product go through the catalogue's own moderation
functions (the one way a product's moderation status changes) and close the
product's open reports; hide_review hides a review and closes its reports;
dismiss_report closes one report and changes nothing else. Bulk decisions call
the single ones, so every product still gets its own record.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from commerce import audit
from commerce.actor import Actor, require_admin
from commerce.catalog import products as catalog
from commerce.catalog.changes import mark_products_dirty
from commerce.config import get_settings
from commerce.errors import DomainError, NotFound, ValidationError
from commerce.i18n import bo_gettext
from commerce.kit.time import utcnow
from commerce.links import absolute, seller_product_url
from commerce.models import Product, Report, ReportStatus, ReportSubject, Review, Shop, User
from commerce.notifications.tasks import enqueue_email

MAX_REASON_LENGTH = 500
MAX_BULK = 100


@dataclass(frozen=True)
class BulkResult:
    done: int
    # One sentence per item that could not be decided (the others still were).
    problems: list[str]


def _reason(reason: str | None, *, required: str | None = None) -> str:
    cleaned = " ".join((reason if isinstance(reason, str) else "").split())
    if required and not cleaned:
        raise ValidationError(required, "reason")
    if len(cleaned) > MAX_REASON_LENGTH:
        raise ValidationError(
            bo_gettext("A reason can be at most {count} characters.", count=MAX_REASON_LENGTH), "reason"
        )
    return cleaned


def _close_reports(
    s: Session, admin_id: int, *, status: ReportStatus, product_id: int | None = None, review_id: int | None = None
) -> int:
    query = select(Report).where(Report.status == ReportStatus.OPEN)
    if review_id is not None:
        query = query.where(Report.review_id == review_id)
    else:
        query = query.where(Report.product_id == product_id, Report.subject == ReportSubject.PRODUCT)
    now = utcnow()
    reports = s.exec(query).all()
    for report in reports:
        report.status, report.resolved_at, report.resolved_by = status, now, admin_id
        s.add(report)
    s.flush()
    return len(reports)


def approve_product(s: Session, actor: Actor, product_id: int, *, note: str = "") -> None:
    """Let buyers see the product (or keep it up after reports): its open reports are dismissed."""
    admin_id = require_admin(actor, "approve_product", product_id=product_id)
    cleaned = _reason(note)
    view = catalog.approve_product(s, actor, product_id)
    closed = _close_reports(s, admin_id, status=ReportStatus.DISMISSED, product_id=view.id)
    audit.record(
        s,
        admin_id,
        "approve_product",
        "product",
        view.id,
        label=view.title,
        reason=cleaned or (f"kept after {closed} report(s)" if closed else ""),
    )


def reject_product(s: Session, actor: Actor, product_id: int, *, reason: str) -> None:
    """Hide the product and tell the seller why (in the studio and by email); its open reports are settled."""
    admin_id = require_admin(actor, "reject_product", product_id=product_id)
    cleaned = _reason(reason, required=bo_gettext("Tell the seller why the product is rejected."))
    view = catalog.reject_product(s, actor, product_id, reason=cleaned)
    _close_reports(s, admin_id, status=ReportStatus.ACTIONED, product_id=view.id)
    audit.record(s, admin_id, "reject_product", "product", view.id, label=view.title, reason=cleaned)
    seller = s.exec(
        select(User)
        .join(Shop, col(Shop.owner_id) == col(User.id))
        .join(Product, col(Product.shop_id) == col(Shop.id))
        .where(Product.id == view.id)
    ).one()
    enqueue_email(
        s,
        to=seller.email,
        kind="product_rejected",
        seller=seller.display_name,
        product=view.title,
        reason=cleaned,
        studio_url=absolute(get_settings().base_url, seller_product_url(view.id)),
    )


def hide_review(s: Session, actor: Actor, review_id: int, *, reason: str) -> None:
    """Take a review off the product page and out of the ratings; its open reports are settled."""
    admin_id = require_admin(actor, "hide_review", review_id=review_id)
    cleaned = _reason(reason, required=bo_gettext("Say why the review is hidden."))
    review = s.get(Review, review_id, with_for_update=True) if isinstance(review_id, int) else None
    if review is None:
        raise NotFound(bo_gettext("This review does not exist."))
    if review.hidden_at is None:
        review.hidden_at, review.hidden_reason = utcnow(), cleaned
        s.add(review)
        s.flush()
        mark_products_dirty(s, [review.product_id])
    _close_reports(s, admin_id, status=ReportStatus.ACTIONED, review_id=review.id)
    product = s.get_one(Product, review.product_id)
    audit.record(
        s,
        admin_id,
        "hide_review",
        "review",
        review.id,
        label=f"{review.rating}★ review of {product.title}",
        reason=cleaned,
    )


def dismiss_report(s: Session, actor: Actor, report_id: int, *, reason: str = "") -> None:
    """Close a report without acting on what it is about."""
    admin_id = require_admin(actor, "dismiss_report", report_id=report_id)
    cleaned = _reason(reason)
    report = s.get(Report, report_id, with_for_update=True) if isinstance(report_id, int) else None
    if report is None:
        raise NotFound(bo_gettext("This report does not exist."))
    if report.status != ReportStatus.OPEN:
        raise ValidationError(bo_gettext("This report has been dealt with already."))
    report.status, report.resolved_at, report.resolved_by = ReportStatus.DISMISSED, utcnow(), admin_id
    s.add(report)
    s.flush()
    product = s.get_one(Product, report.product_id)
    audit.record(
        s,
        admin_id,
        "dismiss_report",
        "report",
        report.id,
        label=f"report of the {report.subject} {product.title}",
        reason=cleaned,
    )


def bulk_products(s: Session, actor: Actor, product_ids: list[int], *, decision: str, reason: str = "") -> BulkResult:
    """Approve or reject several products; each gets its own decision and record."""
    require_admin(actor, "bulk_products", decision=decision, count=len(product_ids or []))
    if decision not in ("approve", "reject"):
        raise ValidationError(bo_gettext("Choose approve or reject."))
    ids = list(dict.fromkeys(pid for pid in (product_ids or []) if isinstance(pid, int)))
    if not ids:
        raise ValidationError(bo_gettext("Select at least one product."))
    if len(ids) > MAX_BULK:
        raise ValidationError(bo_gettext("Decide at most {count} products at once.", count=MAX_BULK))
    if decision == "reject":
        _reason(reason, required=bo_gettext("Tell the sellers why the products are rejected."))
    done, problems = 0, []
    for product_id in ids:
        try:
            with s.begin_nested():
                if decision == "approve":
                    approve_product(s, actor, product_id, note=reason)
                else:
                    reject_product(s, actor, product_id, reason=reason)
            done += 1
        except DomainError as error:
            title = s.exec(select(Product.title).where(Product.id == product_id)).first()
            problems.append(f"{title or f'Product {product_id}'}: {error.message}")
    return BulkResult(done=done, problems=problems)
