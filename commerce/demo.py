"""Demo data for `make run`: sellers, ~30 approved products with covers and a file each,
a buyer, a collector with a paid order of two products, an admin, a discount code, and a
seller (Ada) with a connected TestPay payout account who was paid her part of that order.

Idempotent: a second run finds the demo admin and adds only what is missing (the
discount code and the collector's order came later than the rest). Refused in production.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image, ImageDraw, ImageFont
from sqlmodel import Session, col, select

from commerce import payments, storage
from commerce.accounts import factors, passwords
from commerce.actor import Actor
from commerce.config import get_settings
from commerce.kit.time import utcnow
from commerce.ledger import DEFAULT_HOLD
from commerce.models import (
    Category,
    DiscountCode,
    DiscountKind,
    LedgerPosting,
    LedgerTransaction,
    ModerationStatus,
    Order,
    Payout,
    PayoutAccount,
    PricingMode,
    Product,
    ProductFile,
    ProductStatus,
    ProductVersion,
    Shop,
    TotpFactor,
    User,
    UserRole,
    saved_id,
)
from commerce.orders.cart import CartSettings
from commerce.orders.checkout import start_checkout
from commerce.orders.pricing import CartInput
from commerce.orders.webhooks import handle_event
from commerce.payments.connect import connect_provider
from commerce.payments.testpay import TestPayGateway
from commerce.payments.testpay_connect import PAYS_OUT, TestPayConnect
from commerce.payouts import accounts as payout_accounts
from commerce.payouts.engine import create_payouts, record_sent
from commerce.payouts.webhooks import handle_notice

DEMO_PASSWORD = "demo-password-2026"
ADMIN_EMAIL = "admin@demo.market"
# Administrators must use two-factor sign-in: the demo admin's authenticator secret is
# this known one (add it to any TOTP app, or `python -c "import pyotp; print(pyotp.TOTP('<it>').now())"`).
# Demo data only; never loaded in production.
DEMO_ADMIN_TOTP_SECRET = "DEMOADMINTOTPSECRETJBSWY3DPEHPK3"
BUYER_EMAIL = "buyer@demo.market"
# A second buyer who has bought something already, so reviews, the library, the admin's
# orders and refunds have something to show (the demo buyer starts with no orders).
COLLECTOR_EMAIL = "collector@demo.market"
DEMO_PURCHASES = ("The Indie Maker Ebook", "Notion Life Planner")
TEST_CARD = "4242 4242 4242 4242"
# (shop slug, code, percent off in basis points): shown on the cart page for buyers to try.
DEMO_DISCOUNT_CODES = [("inkwell-press", "WELCOME10", 1000)]


@dataclass(frozen=True)
class DemoProduct:
    title: str
    category: str
    price: int  # minor units
    summary: str
    pricing: PricingMode = PricingMode.FIXED


SELLERS = {
    ("ada@demo.market", "Ada Lovelace", "inkwell-press", "Inkwell Press", "USD"): [
        DemoProduct("The Indie Maker Ebook", "ebooks", 1900, "From idea to first sale in 30 days."),
        DemoProduct("Writing Better Docs", "ebooks", 1500, "A field guide to documentation people read."),
        DemoProduct("Python Patterns Ebook", "ebooks", 2900, "Idiomatic Python for growing codebases."),
        DemoProduct("Poetry of Machines", "ebooks", 0, "A free collection of short poems.", PricingMode.PWYW),
        DemoProduct("Pricing Digital Products", "courses", 9900, "A video course on pricing that sells."),
        DemoProduct("Photography Basics Course", "courses", 4900, "Light, composition and editing in six weeks."),
        DemoProduct(
            "Notion Life Planner", "templates-productivity", 1200, "Goals, habits and projects in one workspace."
        ),
        DemoProduct(
            "Freelance Invoice Kit",
            "templates-productivity",
            900,
            "Invoices, quotes and contracts that look professional.",
        ),
        DemoProduct("Startup Pitch Deck", "templates-design", 2500, "A 20-slide deck investors read to the end."),
        DemoProduct("Minimal Resume Template", "templates-design", 500, "A clean one-page resume.", PricingMode.PWYW),
    ],
    ("grace@demo.market", "Grace Hopper", "compiler-works", "Compiler Works", "EUR"): [
        DemoProduct("Markdown Editor Pro", "software-apps", 2900, "A fast, distraction-free Markdown editor."),
        DemoProduct("Screenshot Beautifier", "software-apps", 1900, "Turn screenshots into polished images."),
        DemoProduct("Color Picker Plugin", "software-plugins", 900, "A precise color picker for design tools."),
        DemoProduct("Git Stats Dashboard", "software-apps", 3900, "See your team's commit history at a glance."),
        DemoProduct("Focus Timer", "software-apps", 0, "A free Pomodoro timer for the menu bar.", PricingMode.PWYW),
        DemoProduct("SQL Formatter Plugin", "software-plugins", 1200, "Consistent SQL formatting in your editor."),
        DemoProduct("Retro Pixel Font", "fonts", 1500, "A crisp 8-bit display typeface."),
        DemoProduct("Humanist Sans Family", "fonts", 4500, "Eight weights for interfaces and print."),
        DemoProduct("Handwritten Script Font", "fonts", 1800, "A friendly signature-style script."),
        DemoProduct("Icon Set: 500 Line Icons", "graphics-icons", 2400, "Pixel-perfect icons in SVG and PNG."),
    ],
    ("alan@demo.market", "Alan Turing", "enigma-studio", "Enigma Studio", "USD"): [
        DemoProduct("Lo-fi Drum Samples", "music-samples", 1400, "120 dusty drum hits and loops."),
        DemoProduct("Ambient Pad Collection", "music-samples", 2200, "Evolving pads for film and games."),
        DemoProduct("Synthwave Album", "music", 900, "Ten tracks of neon-soaked synthwave.", PricingMode.PWYW),
        DemoProduct("Podcast Intro Jingles", "music", 1900, "Twenty short, royalty-free intros."),
        DemoProduct("Cinematic LUT Pack", "video", 2900, "Color grading looks for any camera."),
        DemoProduct("Motion Graphics Toolkit", "video", 3900, "Animated titles and transitions."),
        DemoProduct("Mountain Photo Pack", "graphics-photos", 1500, "40 high-resolution landscape photos."),
        DemoProduct("Watercolor Textures", "graphics", 1100, "Hand-painted textures, scanned at 600 dpi."),
        DemoProduct("3D Shapes Illustration Kit", "graphics", 2700, "Render-ready abstract 3D shapes."),
        DemoProduct("Video Editing Course", "courses", 5900, "Edit like a pro with free tools."),
    ],
}

PALETTE = {
    "ebooks": ("#1e3a8a", "#3b82f6"),
    "courses": ("#7c2d12", "#fb923c"),
    "software": ("#0f172a", "#10b981"),
    "templates": ("#581c87", "#c084fc"),
    "music": ("#831843", "#ff6b6b"),
    "fonts": ("#1f2937", "#9ca3af"),
    "graphics": ("#064e3b", "#34d399"),
    "video": ("#7f1d1d", "#f87171"),
}


def _cover_image(title: str, category_slug: str) -> bytes:
    """A 1200x900 WebP cover: a diagonal gradient in the category's colours and the title."""
    top, bottom = PALETTE[category_slug.split("-")[0]]
    width, height = 1200, 900
    start = Image.new("RGB", (width, height), top)
    end = Image.new("RGB", (width, height), bottom)
    mask = Image.linear_gradient("L").rotate(45, expand=True).resize((width, height))
    image = Image.composite(end, start, mask)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=84)
    words, lines, line = title.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) > width - 160 and line:
            lines.append(line)
            line = word
        else:
            line = candidate
    lines.append(line)
    y = height - 120 - 100 * len(lines)
    for text_line in lines:
        draw.text((80, y), text_line, font=font, fill="#ffffff")
        y += 100
    out = io.BytesIO()
    image.save(out, "WEBP", quality=80)
    return out.getvalue()


def _store_cover(data: bytes) -> str:
    key = f"media/covers/{hashlib.sha256(data).hexdigest()}.webp"
    store = storage.blob_store()
    if not store.exists(key):
        store.put(key, io.BytesIO(data), content_type="image/webp")
    return key


def _add_sample_file(s: Session, product: Product, cover: bytes, published_at: datetime) -> None:
    """Version 1 of the product with one real file: a one-page PDF of its cover."""
    pdf = io.BytesIO()
    Image.open(io.BytesIO(cover)).convert("RGB").save(pdf, "PDF", resolution=150.0, title=product.title)
    pdf.seek(0)
    blob = storage.blob_store().put(
        f"products/{product.id}/files/{uuid.uuid4().hex}", pdf, content_type="application/pdf"
    )
    version = ProductVersion(
        product_id=saved_id(product),
        number=1,
        label="1.0",
        created_at=published_at,
        released_at=published_at,
    )
    s.add(version)
    s.flush()
    s.add(
        ProductFile(
            product_id=saved_id(product),
            version_id=saved_id(version),
            filename=f"{product.slug}.pdf",
            blob_key=blob.key,
            size_bytes=blob.size,
            sha256=blob.sha256,
            content_type=blob.content_type,
            created_at=published_at,
        )
    )


def _user(s: Session, email: str, name: str, role: UserRole, password_hash: str) -> User:
    user = User(email=email, display_name=name, role=role, password_hash=password_hash)
    s.add(user)
    s.flush()
    return user


def _admin_second_factor(s: Session) -> None:
    """The demo admin's authenticator app, with the known DEMO_ADMIN_TOTP_SECRET."""
    admin_id = saved_id(s.exec(select(User).where(User.email == ADMIN_EMAIL)).one())
    if s.get(TotpFactor, admin_id) is not None:
        return
    s.add(
        TotpFactor(
            user_id=admin_id,
            secret_sealed=factors.seal_secret(admin_id, DEMO_ADMIN_TOTP_SECRET),
            confirmed_at=utcnow(),
        )
    )
    s.flush()


def seed_demo(s: Session) -> bool:
    """Load the demo data; returns False when it was already there."""
    if get_settings().is_production:
        raise RuntimeError("Demo data is never loaded in production.")
    if s.exec(select(User.id).where(User.email == ADMIN_EMAIL)).first() is not None:
        _add_discount_codes(s)
        _admin_second_factor(s)
        return False
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    _user(s, ADMIN_EMAIL, "Demo Admin", UserRole.ADMIN, password_hash)
    _admin_second_factor(s)
    _user(s, BUYER_EMAIL, "Demo Buyer", UserRole.BUYER, password_hash)
    categories = {c.slug: c for c in s.exec(select(Category)).all()}
    published_at = utcnow() - timedelta(days=40)
    for (email, name, shop_slug, shop_name, currency), products in SELLERS.items():
        owner = _user(s, email, name, UserRole.SELLER, password_hash)
        shop = Shop(
            owner_id=saved_id(owner),
            slug=shop_slug,
            name=shop_name,
            currency=currency,
            bio=f"{shop_name} makes digital goods for creative people.",
        )
        s.add(shop)
        s.flush()
        for item in products:
            published_at += timedelta(hours=29)
            cover = _cover_image(item.title, item.category)
            product = Product(
                shop_id=saved_id(shop),
                slug=item.title.lower().replace(":", "").replace(" ", "-"),
                title=item.title,
                summary=item.summary,
                description=f"{item.summary}\n\nInstant download after purchase.",
                category_id=categories[item.category].id,
                pricing=item.pricing,
                price_amount=item.price,
                currency=currency,
                status=ProductStatus.PUBLISHED,
                moderation_status=ModerationStatus.APPROVED,
                cover_key=_store_cover(cover),
                created_at=published_at,
                updated_at=published_at,
                published_at=published_at,
            )
            s.add(product)
            s.flush()
            _add_sample_file(s, product, cover, published_at)
    s.flush()
    _add_discount_codes(s)
    return True


def seed_demo_order(s: Session) -> bool:
    """The collector's paid order of DEMO_PURCHASES, placed the way a buyer places one:
    checkout, the test gateway's payment, and its signed webhook. Returns False when the
    collector has an order already, or when the gateway is not the test one."""
    gateway = payments.gateway()
    if not isinstance(gateway, TestPayGateway):
        return False
    collector = s.exec(select(User).where(User.email == COLLECTOR_EMAIL)).first()
    if collector is None:
        collector = _user(s, COLLECTOR_EMAIL, "Demo Collector", UserRole.BUYER, passwords.hash_password(DEMO_PASSWORD))
    elif s.exec(select(Order.id).where(Order.buyer_id == collector.id)).first() is not None:
        return False
    products = s.exec(select(Product).where(col(Product.title).in_(DEMO_PURCHASES)).order_by(col(Product.id))).all()
    if not products:
        return False
    result = start_checkout(
        s,
        Actor(user_id=collector.id, role=collector.role),
        gateway,
        items=[CartInput(saved_id(product)) for product in products],
        settings=CartSettings(code=None, country=None, currency="USD"),
    )
    order = s.exec(select(Order).where(Order.reference == result.order_reference)).one()
    if order.payment_session_id is None:
        raise RuntimeError("the test gateway opened no payment page for the demo order")
    attempt = gateway.pay(order.payment_session_id, TEST_CARD)
    if attempt.webhook is None:
        raise RuntimeError("the test gateway declined the demo card")
    handle_event(s, gateway.parse_webhook(attempt.webhook.payload, attempt.webhook.headers))
    return True


# The demo seller who has connected TestPay's payout account and been paid out once.
PAID_OUT_SHOP = "inkwell-press"


def seed_demo_payout(s: Session) -> bool:
    """Ada's shop connects TestPay's payout account (its onboarding and signed Connect event)
    and is paid her part of the collector's order, through the payout pipeline itself: the
    order is taken to be eight days old, so its earnings have passed the hold. The figures are
    the ledger's. False when done already or when payouts do not run on TestPay."""
    provider = connect_provider()
    shop = s.exec(select(Shop).where(Shop.slug == PAID_OUT_SHOP)).first()
    if not isinstance(provider, TestPayConnect) or shop is None:
        return False
    if s.exec(select(PayoutAccount.id).where(PayoutAccount.shop_id == shop.id)).first() is not None:
        return False
    owner = s.get_one(User, shop.owner_id)
    settings = get_settings()
    events: list = []
    local = TestPayConnect(settings.secret_key, settings.base_url, send_event=events.append)
    seller = Actor(user_id=owner.id, role=owner.role, shop_id=shop.id)
    url = payout_accounts.start_onboarding(s, seller, local, base_url=settings.base_url)
    local.complete_onboarding(
        url.rsplit("/", 1)[1], legal_name=owner.display_name, bank_number=PAYS_OUT, accept_terms=True
    )
    ids = s.exec(select(LedgerPosting.transaction_id).where(LedgerPosting.shop_id == shop.id)).all()
    eight_days_ago = utcnow() - timedelta(days=8)
    for tx in s.exec(select(LedgerTransaction).where(col(LedgerTransaction.id).in_(ids))).all():
        tx.created_at, tx.available_at = eight_days_ago, eight_days_ago + DEFAULT_HOLD
        s.add(tx)
    _deliver(s, local, events)
    for payout_id in create_payouts(s, run_key="demo"):
        payout = s.get_one(Payout, payout_id)
        account = s.get_one(PayoutAccount, payout.payout_account_id)
        sent = local.send_payout(
            account_id=account.account_id,
            bank_account_id=account.bank_account_id,
            amount=payout.amount,
            currency=payout.currency,
            payout_id=payout_id,
            idempotency_key=f"payout-{payout_id}",
        )
        record_sent(s, payout_id, sent)
    _deliver(s, local, events)
    return True


def _deliver(s: Session, provider: TestPayConnect, events: list) -> None:
    while events:
        delivery = events.pop(0)
        handle_notice(s, provider.parse_webhook(delivery.payload, delivery.headers))
        s.flush()


def _add_discount_codes(s: Session) -> None:
    for shop_slug, code, percent_bps in DEMO_DISCOUNT_CODES:
        shop = s.exec(select(Shop).where(Shop.slug == shop_slug)).first()
        if (
            shop is None
            or s.exec(select(DiscountCode.id).where(DiscountCode.shop_id == shop.id, DiscountCode.code == code)).first()
        ):
            continue
        s.add(
            DiscountCode(
                shop_id=saved_id(shop),
                code=code,
                kind=DiscountKind.PERCENT,
                percent_bps=percent_bps,
                currency=shop.currency,
            )
        )
    s.flush()


def credentials_text() -> str:
    sellers = ", ".join(email for email, *_ in SELLERS)
    return (
        "Demo accounts (password for all: " + DEMO_PASSWORD + ")\n"
        f"  admin:   {ADMIN_EMAIL} (two-factor: authenticator secret {DEMO_ADMIN_TOTP_SECRET})\n"
        f"  buyer:   {BUYER_EMAIL} (and {COLLECTOR_EMAIL}, who has a paid order)\n"
        f"  sellers: {sellers}\n"
        + "".join(f"Discount code {code}: {bps / 100:g} % off at {slug}\n" for slug, code, bps in DEMO_DISCOUNT_CODES)
    ).rstrip("\n")
