"""What each person wants to hear about, on which channel, and what sellers may see of them.

Only choices that differ from the defaults are stored. Messages about money and
access (receipts, refunds, password resets, welcome) are always sent by email:
they are part of the service, not marketing, so they have no switch. Product
update emails are switched on the account page's library card (delivery's
LibraryState); the sender honours that switch through `email_allowed` as well.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import and_, exists
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_signed_in
from commerce.config import get_settings
from commerce.errors import ValidationError
from commerce.kit.email import normalise_email
from commerce.kit.time import utcnow
from commerce.models import LibraryState, User, UserPreference
from commerce.notifications.push import push_available

CHANNELS = {"email": "Email", "in_app": "In the app", "push": "Push", "sms": "SMS"}
# kind -> (label, description, default per channel); push and SMS are opt-in.
OPTIONAL_KINDS: dict[str, tuple[str, str, dict[str, bool]]] = {
    "sale_alert": (
        "Sale alerts",
        "When someone buys from your shop.",
        {"email": True, "in_app": True, "push": False, "sms": False},
    ),
}
# E.164: a plus, the country code and the number, 8 to 15 digits in all.
_SMS_NUMBER = re.compile(r"\+[1-9][0-9]{7,14}")
# Product update emails have their own switch, kept with the library (LibraryState), read here too.
PRODUCT_UPDATE = "product_update"
SHARE_EMAIL = "privacy:share_email_with_sellers"
SHARE_EMAIL_DEFAULT = True
PSEUDONYM_PREFIX = "buyer-"


@dataclass(frozen=True)
class PreferenceView:
    kind: str
    channel: str
    label: str
    description: str
    channel_label: str
    enabled: bool


@dataclass(frozen=True)
class PreferencesView:
    notifications: list[PreferenceView]
    share_email_with_sellers: bool
    sms_number: str


def _stored(s: Session, user_id: int) -> dict[str, bool]:
    return dict(
        s.exec(select(UserPreference.key, UserPreference.enabled).where(UserPreference.user_id == user_id)).all()
    )


def _set(s: Session, user_id: int, key: str, enabled: bool) -> None:
    row = s.get(UserPreference, (user_id, key))
    if row is None:
        row = UserPreference(user_id=user_id, key=key, enabled=enabled)
    row.enabled, row.updated_at = enabled, utcnow()
    s.add(row)
    s.flush()


def _offered(user_id: int) -> set[str]:
    """The channels this account may choose: push only where it is rolled out (flag `web_push`)."""
    return set(CHANNELS) if push_available(user_id) else set(CHANNELS) - {"push"}


def allows(s: Session, user_id: int, kind: str, channel: str) -> bool:
    """Whether `user_id` wants `kind` on `channel` (unknown kinds: always-sent email only)."""
    return channel in channels_wanted(s, user_id, kind, among=(channel,))


def channels_wanted(s: Session, user_id: int, kind: str, among: Iterable[str] = CHANNELS) -> set[str]:
    """The channels of `among` on which `user_id` wants `kind`, read in one query."""
    if kind not in OPTIONAL_KINDS:
        return {"email", "in_app"} & set(among)
    defaults = OPTIONAL_KINDS[kind][2]
    keys = {f"{channel}:{kind}": channel for channel in _offered(user_id) & set(among)}
    if not keys:
        return set()
    stored = dict(
        s.exec(
            select(UserPreference.key, UserPreference.enabled).where(
                UserPreference.user_id == user_id, col(UserPreference.key).in_(list(keys))
            )
        ).all()
    )
    return {channel for key, channel in keys.items() if stored.get(key, defaults.get(channel, False))}


def email_allowed(s: Session, to: str, kind: str) -> bool:
    """For the email sender: may `kind` go to this address? Addresses without an account: yes."""
    if kind not in OPTIONAL_KINDS and kind != PRODUCT_UPDATE:
        return True
    try:
        address = normalise_email(to)
    except Exception:  # an address the account rules would refuse has no account either
        return True
    # The account and its switch for this kind in one query (a sale alert's job runs per sale).
    if kind == PRODUCT_UPDATE:
        query = select(User.id, col(LibraryState.product_update_emails)).outerjoin(
            LibraryState, col(LibraryState.user_id) == col(User.id)
        )
        default = True
    else:
        chosen = and_(col(UserPreference.user_id) == col(User.id), col(UserPreference.key) == f"email:{kind}")
        query = select(User.id, col(UserPreference.enabled)).outerjoin(UserPreference, chosen)
        default = OPTIONAL_KINDS[kind][2].get("email", False)
    account = s.exec(query.where(col(User.email) == address)).first()
    if account is None:
        return True
    _, stored = account
    return default if stored is None else stored


def get_preferences(s: Session, actor: Actor) -> PreferencesView:
    user_id = require_signed_in(actor)
    stored = _stored(s, user_id)
    offered = _offered(user_id)
    rows = [
        PreferenceView(
            kind=kind,
            channel=channel,
            label=label,
            description=description,
            channel_label=CHANNELS[channel],
            enabled=stored.get(f"{channel}:{kind}", defaults[channel]),
        )
        for kind, (label, description, defaults) in OPTIONAL_KINDS.items()
        for channel in CHANNELS
        if channel in offered
    ]
    return PreferencesView(
        notifications=rows,
        share_email_with_sellers=stored.get(SHARE_EMAIL, SHARE_EMAIL_DEFAULT),
        sms_number=sms_number(s, user_id) or "",
    )


def set_notification_preference(s: Session, actor: Actor, *, kind: str, channel: str, enabled: bool) -> PreferencesView:
    user_id = require_signed_in(actor)
    if kind not in OPTIONAL_KINDS:
        raise ValidationError("That kind of message cannot be switched off.", field="kind")
    if channel not in CHANNELS:
        raise ValidationError("There is no such channel.", field="channel")
    if channel not in _offered(user_id):
        raise ValidationError("Push notifications are not available for your account yet.", field="channel")
    if not isinstance(enabled, bool):
        raise ValidationError("Choose on or off.", field="enabled")
    _set(s, user_id, f"{channel}:{kind}", enabled)
    return get_preferences(s, actor)


def set_share_email(s: Session, actor: Actor, *, enabled: bool) -> PreferencesView:
    user_id = require_signed_in(actor)
    if not isinstance(enabled, bool):
        raise ValidationError("Choose on or off.", field="enabled")
    _set(s, user_id, SHARE_EMAIL, enabled)
    return get_preferences(s, actor)


def sms_number(s: Session, user_id: int) -> str | None:
    user = s.get(User, user_id)
    return user.sms_number if user else None


def set_sms_number(s: Session, actor: Actor, *, number: str) -> PreferencesView:
    """The mobile number for SMS messages; an empty value removes it."""
    user_id = require_signed_in(actor)
    if not isinstance(number, str):
        raise ValidationError("Enter a mobile number.", field="sms_number")
    cleaned = re.sub(r"[\s().-]", "", number)
    if cleaned and not _SMS_NUMBER.fullmatch(cleaned):
        raise ValidationError("Enter the number with its country code, like +44 7700 900123.", field="sms_number")
    user = s.get_one(User, user_id)
    user.sms_number = cleaned or None
    s.add(user)
    s.flush()
    return get_preferences(s, actor)


def sharing_email(s: Session, user_ids: set[int]) -> set[int]:
    """The buyers among `user_ids` who let sellers see their email address."""
    if not user_ids:
        return set()
    opted = dict(
        s.exec(
            select(UserPreference.user_id, UserPreference.enabled).where(
                UserPreference.key == SHARE_EMAIL, col(UserPreference.user_id).in_(user_ids)
            )
        ).all()
    )
    return {uid for uid in user_ids if opted.get(uid, SHARE_EMAIL_DEFAULT)}


def pseudonym(shop_id: int, buyer_id: int) -> str:
    """How a buyer who keeps their email from sellers appears to one shop: stable across
    that shop's pages and exports, different in every other shop."""
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, f"buyer:{shop_id}:{buyer_id}".encode(), hashlib.sha256).hexdigest()
    return f"{PSEUDONYM_PREFIX}{digest[:12]}"


def buyers_as_seen_by_shop(s: Session, shop_id: int, emails: Mapping[int, str]) -> dict[int, str]:
    """What one shop's pages show of each buyer (buyer id -> email): the email if the buyer
    shares it with sellers, otherwise the shop's pseudonym for them."""
    sharing = sharing_email(s, set(emails))
    return {
        buyer_id: email if buyer_id in sharing else pseudonym(shop_id, buyer_id) for buyer_id, email in emails.items()
    }


def shares_email_with_sellers(user_id_column):
    """SQL condition: the user lets sellers see their email. Seller searches by buyer email
    use it, so a seller cannot find out whether a hidden buyer bought from them by guessing."""

    def stored(enabled: bool):
        return exists().where(
            UserPreference.user_id == user_id_column,
            col(UserPreference.key) == SHARE_EMAIL,
            col(UserPreference.enabled).is_(enabled),
        )

    # Only choices that differ from the default are stored.
    return ~stored(False) if SHARE_EMAIL_DEFAULT else stored(True)
