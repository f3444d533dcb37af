"""Admins manage people: find them, see their shop, orders and reports, suspend or
reinstate a seller, make someone an administrator.

Suspending a seller suspends their shop: the catalogue's visibility rule hides
its products at once, and the shop's products are queued for reindexing so they
leave search results as soon as the job has run (seconds). Buyers keep what they
bought: nothing about their orders or fulfilments changes. The seller can still
sign in and use their own library.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from commerce import audit
from commerce.actor import Actor, require_admin
from commerce.catalog.changes import mark_shop_products_dirty
from commerce.catalog.visibility import visible_to_buyers
from commerce.errors import Conflict, NotFound, ValidationError
from commerce.i18n import bo_gettext, gettext
from commerce.kit.choices import parse_choice
from commerce.kit.pagination import Page, make_page, page_bounds
from commerce.kit.time import day_label, utcnow
from commerce.ledger import payouts_report
from commerce.models import Order, Product, Report, ReportStatus, ReportSubject, Review, Shop, User, UserRole, saved_id
from commerce.moderation.decisions import MAX_REASON_LENGTH
from commerce.money import Money, format_money
from commerce.orders.lifecycle import STATUS_LABELS
from commerce.reviews.service import REPORT_REASONS


@dataclass(frozen=True)
class UserRow:
    id: int
    email: str
    display_name: str
    role: UserRole
    shop_id: int | None
    shop_name: str
    shop_slug: str
    shop_suspended: bool
    account_suspended: bool
    order_count: int
    reports_filed: int
    reports_received: int
    joined_label: str


@dataclass(frozen=True)
class UserOrderRow:
    reference: str
    status_label: str
    total_label: str
    date_label: str


@dataclass(frozen=True)
class UserReportRow:
    id: int
    subject: ReportSubject
    product_title: str
    reason_label: str
    details: str
    status: ReportStatus
    date_label: str


@dataclass(frozen=True)
class UserDetail:
    user: UserRow
    orders: list[UserOrderRow]
    reports_filed: list[UserReportRow]
    reports_received: list[UserReportRow]


def _like(word: str) -> str:
    return "%" + word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _received_condition(user_id: int):
    """Reports (not dismissed) about the user's products or the user's reviews."""
    own_products = select(Product.id).join(Shop, col(Shop.id) == col(Product.shop_id)).where(Shop.owner_id == user_id)
    own_reviews = select(Review.id).where(Review.buyer_id == user_id)
    return ((col(Report.subject) == ReportSubject.PRODUCT) & col(Report.product_id).in_(own_products)) | (
        (col(Report.subject) == ReportSubject.REVIEW) & col(Report.review_id).in_(own_reviews)
    )


def _rows(s: Session, users: list[User]) -> list[UserRow]:
    if not users:
        return []
    ids = [user.id for user in users]
    shops = {shop.owner_id: shop for shop in s.exec(select(Shop).where(col(Shop.owner_id).in_(ids))).all()}
    orders = dict(
        s.exec(
            select(col(Order.buyer_id), func.count()).where(col(Order.buyer_id).in_(ids)).group_by(col(Order.buyer_id))
        ).all()
    )
    filed = dict(
        s.exec(
            select(Report.reporter_id, func.count())
            .where(col(Report.reporter_id).in_(ids))
            .group_by(col(Report.reporter_id))
        ).all()
    )
    rows = []
    for user in users:
        shop = shops.get(saved_id(user))
        received = s.exec(
            select(func.count())
            .select_from(Report)
            .where(_received_condition(saved_id(user)), Report.status != ReportStatus.DISMISSED)
        ).one()
        rows.append(
            UserRow(
                id=saved_id(user),
                email=user.email,
                display_name=user.display_name,
                role=user.role,
                shop_id=shop.id if shop else None,
                shop_name=shop.name if shop else "",
                shop_slug=shop.slug if shop else "",
                shop_suspended=bool(shop and shop.suspended_at),
                account_suspended=user.suspended_at is not None,
                order_count=orders.get(saved_id(user), 0),
                reports_filed=filed.get(saved_id(user), 0),
                reports_received=received,
                joined_label=day_label(user.created_at),
            )
        )
    return rows


def search_users(
    s: Session, actor: Actor, *, query: str = "", role: str = "", page: int = 1, per_page: int = 25
) -> Page:
    """People whose email, name or shop name contains every word of `query`, newest first."""
    require_admin(actor, "search_users")
    page, per_page = page_bounds(page, per_page)
    conditions = []
    for word in (query if isinstance(query, str) else "").split()[:6]:
        pattern = _like(word)
        conditions.append(
            or_(
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
                col(User.id).in_(select(Shop.owner_id).where(func.lower(Shop.name).like(pattern, escape="\\"))),
            )
        )
    wanted_role = parse_choice(UserRole, role)
    if wanted_role is not None:
        conditions.append(col(User.role) == wanted_role)
    total = s.exec(select(func.count()).select_from(User).where(*conditions)).one()
    users = s.exec(
        select(User)
        .where(*conditions)
        .order_by(col(User.created_at).desc(), col(User.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return make_page(_rows(s, list(users)), page, per_page, total)


def _report_rows(s: Session, reports: list[Report]) -> list[UserReportRow]:
    titles = (
        dict(
            s.exec(select(Product.id, Product.title).where(col(Product.id).in_({r.product_id for r in reports}))).all()
        )
        if reports
        else {}
    )
    return [
        UserReportRow(
            id=saved_id(r),
            subject=r.subject,
            product_title=titles.get(r.product_id, ""),
            reason_label=REPORT_REASONS.get(r.reason, r.reason),
            details=r.details,
            status=r.status,
            date_label=day_label(r.created_at),
        )
        for r in reports
    ]


def user_detail(s: Session, actor: Actor, user_id: int) -> UserDetail:
    require_admin(actor, "user_detail", user_id=user_id)
    user = s.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise NotFound(bo_gettext("There is no such user."))
    orders = s.exec(
        select(Order).where(Order.buyer_id == user.id).order_by(col(Order.created_at).desc()).limit(50)
    ).all()
    filed = s.exec(
        select(Report).where(Report.reporter_id == user.id).order_by(col(Report.created_at).desc()).limit(50)
    ).all()
    received = s.exec(
        select(Report).where(_received_condition(saved_id(user))).order_by(col(Report.created_at).desc()).limit(50)
    ).all()
    return UserDetail(
        user=_rows(s, [user])[0],
        orders=[
            UserOrderRow(
                reference=o.reference,
                status_label=gettext(STATUS_LABELS[o.status]),
                total_label=format_money(Money(o.total, o.currency)),
                date_label=day_label(o.created_at),
            )
            for o in orders
        ],
        reports_filed=_report_rows(s, list(filed)),
        reports_received=_report_rows(s, list(received)),
    )


def _seller_shop(s: Session, user_id: int) -> tuple[User, Shop]:
    user = s.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise NotFound(bo_gettext("There is no such user."))
    shop = s.exec(select(Shop).where(Shop.owner_id == user.id).with_for_update()).first()
    if shop is None:
        raise Conflict(f"{user.display_name} has no shop to suspend or reinstate.")
    return user, shop


@dataclass(frozen=True)
class SuspensionImpact:
    """What suspending a seller does, for the admin to confirm before it happens."""

    user_id: int
    shop_name: str
    live_products: int
    # Per currency, e.g. "$12.00 pending and $5.00 available"; empty when nothing is owed.
    balances: list[str]


def suspension_impact(s: Session, actor: Actor, user_id: int) -> SuspensionImpact:
    """The shop, how many of its products buyers can see now, and what it is owed."""
    require_admin(actor, "suspension_impact", user_id=user_id)
    _, shop = _seller_shop(s, user_id)
    if shop.suspended_at is not None:
        raise Conflict(f"{shop.name} is suspended already.")
    live = s.exec(
        select(func.count())
        .select_from(Product)
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .where(Product.shop_id == shop.id, visible_to_buyers())
    ).one()
    balances = [
        bo_gettext(
            "{pending} pending and {available} available",
            pending=format_money(Money(row.pending, row.currency)),
            available=format_money(Money(row.available, row.currency)),
        )
        for row in payouts_report(s, actor)
        if row.shop_id == shop.id and (row.pending or row.available)
    ]
    return SuspensionImpact(user_id=user_id, shop_name=shop.name, live_products=live, balances=balances)


def suspend_seller(s: Session, actor: Actor, user_id: int, *, reason: str) -> UserRow:
    """Hide the seller's shop and products from buyers and search; buyers keep their purchases."""
    admin_id = require_admin(actor, "suspend_seller", user_id=user_id)
    cleaned = " ".join((reason if isinstance(reason, str) else "").split())
    if not cleaned:
        raise ValidationError(bo_gettext("Say why the seller is suspended."), "reason")
    if len(cleaned) > MAX_REASON_LENGTH:
        raise ValidationError(
            bo_gettext("A reason can be at most {count} characters.", count=MAX_REASON_LENGTH), "reason"
        )
    user, shop = _seller_shop(s, user_id)
    if user.id == admin_id:
        raise Conflict(bo_gettext("You cannot suspend your own shop."))
    if shop.suspended_at is not None:
        raise Conflict(f"{shop.name} is suspended already.")
    shop.suspended_at = utcnow()
    s.add(shop)
    s.flush()
    mark_shop_products_dirty(s, saved_id(shop))
    audit.record(s, admin_id, "suspend_seller", "shop", shop.id, label=f"{shop.name} (user #{user.id})", reason=cleaned)
    return _rows(s, [user])[0]


def reinstate_seller(s: Session, actor: Actor, user_id: int, *, reason: str = "") -> UserRow:
    """Lift a suspension: the shop's approved products return to the shop and search."""
    admin_id = require_admin(actor, "reinstate_seller", user_id=user_id)
    user, shop = _seller_shop(s, user_id)
    if shop.suspended_at is None:
        raise Conflict(f"{shop.name} is not suspended.")
    shop.suspended_at = None
    s.add(shop)
    s.flush()
    mark_shop_products_dirty(s, saved_id(shop))
    audit.record(
        s,
        admin_id,
        "reinstate_seller",
        "shop",
        shop.id,
        label=f"{shop.name} (user #{user.id})",
        reason=" ".join((reason if isinstance(reason, str) else "").split())[:MAX_REASON_LENGTH],
    )
    return _rows(s, [user])[0]


def promote_to_admin(s: Session, actor: Actor, user_id: int) -> UserRow:
    """Make a user an administrator (they keep their shop, if any)."""
    admin_id = require_admin(actor, "promote_admin", user_id=user_id)
    user = s.get(User, user_id, with_for_update=True) if isinstance(user_id, int) else None
    if user is None:
        raise NotFound(bo_gettext("There is no such user."))
    if user.role == UserRole.ADMIN:
        raise Conflict(f"{user.display_name} is an administrator already.")
    if user.suspended_at is not None:
        raise Conflict(bo_gettext("A suspended account cannot become an administrator."))
    previous = user.role
    user.role = UserRole.ADMIN
    s.add(user)
    s.flush()
    audit.record(s, admin_id, "promote_admin", "user", user.id, label=f"user #{user.id}", reason=f"was {previous}")
    return _rows(s, [user])[0]
